"""Every export format from a loaded database through `evidence export`, read back
with its reference library, with the filters applied."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import bibtexparser
import pytest
import rispy
from click.testing import CliRunner
from openpyxl import load_workbook

from evidence.cli import main
from evidence.queries import StudyFilter
from tests.conftest import FIXTURES

ALL = {"90000001", "90000002", "90000003", "90000004", "90000011", "90000012"}
NOT_RETRACTED = ALL - {"90000003", "90000004"}


@pytest.fixture
def loaded(db_url: str) -> str:
    result = CliRunner().invoke(main, ["import", "--db", db_url,
                                       str(FIXTURES / "edge_cases.xml"),
                                       str(FIXTURES / "citations.nbib")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db_url


def export(db_url: str, fmt: str, out: Path, *filters: str) -> bytes:
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--out", str(out),
                                       "--db", db_url, *filters], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_every_format_holds_the_filtered_studies(loaded, tmp_path: Path):
    filters = ("--exclude-retracted",)
    jsonl = export(loaded, "jsonl", tmp_path / "s.jsonl", *filters).decode("utf-8")
    assert {json.loads(line)["pmid"] for line in jsonl.splitlines()} == NOT_RETRACTED

    rows = list(csv.DictReader(io.StringIO(
        export(loaded, "csv", tmp_path / "s.csv", *filters).decode("utf-8-sig"))))
    assert {row["pmid"] for row in rows} == NOT_RETRACTED

    export(loaded, "xlsx", tmp_path / "s.xlsx", *filters)
    book = load_workbook(tmp_path / "s.xlsx", read_only=True)
    sheet = book["Studies"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    pmids = {str(row[header.index("pmid")]) for row in sheet.iter_rows(min_row=2,
                                                                        values_only=True)}
    assert pmids == NOT_RETRACTED
    about = " ".join(str(cell) for row in book["About"].iter_rows(values_only=True)
                     for cell in row if cell is not None)
    assert "exclude_retracted" in about and "4" in about

    library = bibtexparser.parse_string(
        export(loaded, "bibtex", tmp_path / "s.bib", *filters).decode("utf-8"))
    assert len(library.entries) == 4 and not library.failed_blocks
    assert {entry["pmid"] for entry in library.entries} == NOT_RETRACTED

    entries = rispy.loads(export(loaded, "ris", tmp_path / "s.ris", *filters).decode("utf-8"))
    assert len(entries) == 4
    assert any(entry.get("doi") == "10.9999/jid.2023.0001" for entry in entries)

    items = json.loads(export(loaded, "csl-json", tmp_path / "s.json", *filters))
    assert {item["PMID"] for item in items} == NOT_RETRACTED


def test_retracted_studies_are_marked_in_every_format(loaded, tmp_path: Path):
    jsonl = export(loaded, "jsonl", tmp_path / "a.jsonl").decode("utf-8")
    flags = {json.loads(line)["pmid"]: json.loads(line)["retracted"]
             for line in jsonl.splitlines()}
    assert {pmid for pmid, retracted in flags.items() if retracted} == ALL - NOT_RETRACTED
    for fmt in ("bibtex", "ris", "csl-json"):
        text = export(loaded, fmt, tmp_path / f"a.{fmt}").decode("utf-8")
        assert text.count("[RETRACTED]") >= 2, fmt


@pytest.mark.parametrize("filters", [(), ("--relevant-only",), ("--exclude-retracted",)])
def test_xlsx_summaries_are_the_dashboards(loaded: str, tmp_path: Path,
                                           filters: tuple[str, ...]) -> None:
    """The workbook's "By design" sheet says what the dashboard's summary table says for
    the same filter: an analyst comparing the two must find the same counts."""
    from evidence.db import open_database
    from evidence.queries import StudyFilter, summary_by_design

    workbook = load_workbook(io.BytesIO(export(loaded, "xlsx", tmp_path / "s.xlsx", *filters)))
    rows = list(workbook["By design"].iter_rows(min_row=2, values_only=True))
    sheet = {row[0]: (row[3], row[4], row[5], row[6]) for row in rows}
    database = open_database(loaded)
    try:
        with database.session() as session:
            screen = summary_by_design(session, StudyFilter(
                relevant_only="--relevant-only" in filters,
                exclude_retracted="--exclude-retracted" in filters))
    finally:
        database.dispose()
    assert sheet == {row.design: (row.studies, row.participants, row.with_sample_size,
                                  row.retracted) for row in screen.itertuples()}
    if not filters:
        assert sum(count for count, *_ in sheet.values()) == len(ALL)


def test_a_title_not_in_english_is_stored_cited_and_exported(db_url: str, tmp_path: Path):
    """The original-language title reaches APA and CSL-JSON; CONTRACT.md's record
    (JSONL, CSV) is unchanged by it."""
    source = FIXTURES / "not_in_english.xml"
    runner = CliRunner()
    assert runner.invoke(main, ["import", "--db", db_url, str(source)],
                         catch_exceptions=False).exit_code == 0
    cited = runner.invoke(main, ["cite", "90000077", "--style", "apa", "--no-evidence",
                                 "--db", db_url], catch_exceptions=False)
    assert cited.exit_code == 0, cited.output
    assert cited.output.startswith(
        "Souza, A. (2023). Microagulhamento com minoxidil na alopecia androgenética "
        "[Microneedling with minoxidil for androgenetic alopecia]. ")
    [item] = json.loads(export(db_url, "csl-json", tmp_path / "s.json"))
    assert item["original-title"] == "Microagulhamento com minoxidil na alopecia androgenética"
    assert item["title"] == "[Microneedling with minoxidil for androgenetic alopecia]"
    [line] = export(db_url, "jsonl", tmp_path / "s.jsonl").decode("utf-8").splitlines()
    assert "vernacular_title" not in json.loads(line)
    header = export(db_url, "csv", tmp_path / "s.csv").decode("utf-8-sig").splitlines()[0]
    assert "vernacular" not in header


def test_an_export_follows_the_order_asked_for(loaded: str, tmp_path: Path):
    """The dashboard's Export page writes the Studies page's order ("Largest first")."""
    from evidence.db import open_database
    from evidence.exporting import export_to

    database = open_database(loaded)
    try:
        out = io.BytesIO()
        export_to(database, StudyFilter(), "jsonl", out, sort="n")
    finally:
        database.dispose()
    sizes = [json.loads(line)["sample_size"] for line in out.getvalue().splitlines()]
    stated = [size for size in sizes if size is not None]
    assert stated == sorted(stated, reverse=True) and len(stated) >= 2
    assert sizes[:len(stated)] == stated  # the unknown ones last
