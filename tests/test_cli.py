"""The `evidence` command as a user runs it: import, export with filters, stats, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence.cli import main
from tests.conftest import FIXTURES, REPO_ROOT
from tests.corpus import write_corpus

EDGE = str(FIXTURES / "edge_cases.xml")
NBIB = str(FIXTURES / "citations.nbib")
CONTRACT_KEYS = {
    "pmid", "doi", "pmcid", "title", "abstract", "journal", "journal_abbrev", "volume",
    "issue", "pages", "year", "pub_date", "authors", "language", "publication_types",
    "mesh_terms", "keywords", "trial_ids", "retracted", "relevant", "design", "evidence_level",
    "conditions", "interventions", "devices", "outcomes", "sample_size", "sessions",
    "needle_depth_mm", "follow_up_weeks", "evidence", "tagger_version"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def export_jsonl(db_url: str, *filters: str) -> list[dict]:
    result = run("export", "--format", "jsonl", "--db", db_url, *filters)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def loaded(db_url: str) -> str:
    result = run("import", "--db", db_url, EDGE, NBIB)
    assert result.exit_code == 0, result.output
    assert "2 file(s): 6 new, 0 updated, 0 unchanged, 0 deleted, 1 skipped, 0 failed" in (
        result.stdout)
    return db_url


def test_export_jsonl_follows_the_contract(loaded):
    records = {record["pmid"]: record for record in export_jsonl(loaded)}
    assert set(records) == {"90000001", "90000002", "90000003", "90000004", "90000011",
                            "90000012"}
    first = records["90000001"]
    assert set(first) >= CONTRACT_KEYS
    assert first["authors"] == ["Müller K", "Núñez-García A", "Invented Hair Study Group"]
    assert first["language"] == ["eng"]
    assert first["trial_ids"] == ["NCT01234567", "NCT07654321"]
    assert first["publication_types"] == ["Journal Article", "Randomized Controlled Trial"]
    assert first["mesh_terms"] == ["Alopecia", "Humans", "Minoxidil"]
    assert first["abstract"].splitlines()[0].startswith("BACKGROUND: ")
    assert isinstance(first["year"], int) and first["pub_date"] == "2023-04-07"
    assert first["retracted"] is False and records["90000003"]["retracted"] is True
    assert records["90000002"]["abstract"] == ""
    for record in records.values():
        assert isinstance(record["evidence_level"], int) and 1 <= record["evidence_level"] <= 5
        assert isinstance(record["evidence"], dict)
        for key in ("conditions", "interventions", "devices", "outcomes"):
            assert isinstance(record[key], list)
        depth = record["needle_depth_mm"]
        assert depth is None or (len(depth) == 2 and depth[0] <= depth[1])
    nbib = records["90000011"]
    assert nbib["title"].startswith("Automated microneedling plus topical minoxidil for "
                                    "female pattern hair loss: a split-scalp pilot study.")
    assert nbib["authors"] == ["Smith JA", "Øster L", "Invented Trichology Consortium"]
    assert (nbib["doi"], nbib["pmcid"], nbib["pub_date"]) == ("10.9999/nbib.2022.7",
                                                             "PMC9911111", "2022-03-15")
    assert nbib["abstract"].splitlines()[1].startswith("METHODS: Twenty women")
    assert nbib["trial_ids"] == ["NCT04444444"]


def test_export_filters(loaded):
    def pmids(*filters: str) -> set[str]:
        return {record["pmid"] for record in export_jsonl(loaded, *filters)}

    everything = pmids()
    assert pmids("--min-year", "2021") == {"90000001", "90000004", "90000011"}
    assert pmids("--max-year", "1995") == {"90000002"}
    assert pmids("--exclude-retracted") == everything - {"90000003", "90000004"}
    assert pmids("--text", "dermapen") == {"90000003", "90000011"}
    assert pmids("--text", "platelet-rich plasma") == {"90000004"}
    # joined by "_" the words are still words apiece, as the full-text index sees them
    assert pmids("--text", "platelet_rich_plasma") == {"90000004"}
    assert pmids("--text", "melasma") == set()
    # PubMed's field tags are set aside, and one for another field says so on stderr
    assert pmids("--text", "dermapen[tiab]") == {"90000003", "90000011"}
    tagged = run("export", "--format", "jsonl", "--db", loaded, "--text",
                 "dermapen[MeSH Terms]")
    assert {json.loads(line)["pmid"] for line in tagged.stdout.splitlines()} == {
        "90000003", "90000011"}
    assert "field tags are not read ([MeSH Terms])" in tagged.stderr
    # stop words only: every study, and a note saying why
    nothing = run("export", "--format", "jsonl", "--db", loaded, "--text", "the")
    assert len(nothing.stdout.splitlines()) == len(everything)
    assert "holds only words that are not searched" in nothing.stderr
    grouped = run("export", "--format", "jsonl", "--db", loaded, "--text", "dermapen OR hair loss")
    assert "OR joins the two words beside it" in grouped.stderr
    assert pmids("--design", "rct") == {
        r["pmid"] for r in export_jsonl(loaded) if r["design"] == "rct"}
    with_minoxidil = {r["pmid"] for r in export_jsonl(loaded) if "minoxidil" in
                      r["interventions"]}
    assert with_minoxidil and pmids("--intervention", "minoxidil") == with_minoxidil
    best = {r["pmid"] for r in export_jsonl(loaded) if r["evidence_level"] <= 2}
    assert pmids("--max-level", "2") == best


def test_export_csv_to_file(loaded, tmp_path: Path):
    out = tmp_path / "studies.csv"
    result = run("export", "--format", "csv", "--out", str(out), "--db", loaded,
                 "--exclude-retracted")
    assert result.exit_code == 0, result.output
    assert "exported 4 studies as csv" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {row["pmid"] for row in rows} == {"90000001", "90000002", "90000011", "90000012"}
    first = next(row for row in rows if row["pmid"] == "90000001")
    assert first["authors"] == "Müller K; Núñez-García A; Invented Hair Study Group"
    assert not (tmp_path / "studies.csv.partial").exists()


def test_reimport_and_export_round_trip(loaded):
    before = export_jsonl(loaded)
    again = run("import", "--db", loaded, EDGE, NBIB)
    assert "0 new, 0 updated, 6 unchanged" in again.stdout
    assert export_jsonl(loaded) == before


def test_stats(loaded):
    result = run("stats", "--db", loaded)
    assert result.exit_code == 0
    assert result.stdout.startswith("studies: 6 (")
    assert "2 retracted" in result.stdout
    data = json.loads(run("stats", "--json", "--db", loaded).stdout)
    assert data["studies"] == 6 and sum(data["by_design"].values()) == 6


def test_bad_file_is_one_clear_line_and_exit_1(db_url, tmp_path: Path):
    junk = tmp_path / "junk.xml"
    junk.write_text("<html><body>Service unavailable</body></html>")
    result = run("import", "--db", db_url, str(junk), EDGE)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("evidence:")]
    assert errors == [f"evidence: {junk}: not PubMed XML: the document element is <html>, "
                      "expected <PubmedArticleSet> or <MedlineCitationSet>"]
    assert "Traceback" not in result.stderr
    assert "4 new" in result.stdout  # the good file still loaded


def test_unreadable_records_are_reported_and_exit_1(db_url, tmp_path: Path):
    text = Path(EDGE).read_text(encoding="utf-8")
    path = tmp_path / "one-bad.xml"
    path.write_text(text.replace('<PMID Version="1">90000002</PMID>', ""), encoding="utf-8")
    result = run("import", "--db", db_url, str(path))
    assert result.exit_code == 1
    assert "3 new" in result.stdout and "1 failed" in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"evidence: {path}, line ") and "PMID" in line


def test_usage_error_exits_2_with_one_line():
    """CONTRACT.md: one clear line on stderr (Click's own form is four)."""
    for args, message in ((("export", "--format", "pdf"), "Invalid value for '--format'"),
                          (("import",), "Missing argument 'PATHS...'"),
                          (("nosuch",), "No such command 'nosuch'")):
        result = run(*args)
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith(f"evidence: {message}")
    # a PMID that is no number is a usage error too, before any database is opened
    assert run("cite", "abc").exit_code == 2


def test_importing_a_directory_says_so(tmp_path: Path):
    result = run("import", "--db", f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path}: a directory, not a file (name the files in it)" in result.stderr


def _usage_error(*args: str) -> str:
    """The error line of a command that must stop with a usage error (exit 2)."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.stderr.strip().splitlines()[-1]


def test_filter_codes_are_those_of_tags_md(loaded, tmp_path: Path):
    """A mistyped code is a usage error naming the valid ones, not an empty export."""
    line = _usage_error("export", "--format", "jsonl", "--db", loaded, "--design", "RCTs")
    assert "'RCTs' is not a design code of TAGS.md" in line and "rct, controlled_trial" in line
    for option, code in (("--outcome", "hairdensity"), ("--intervention", "PRP-injection"),
                         ("--condition", "baldness"), ("--device", "roller")):
        assert f"{code!r} is not a {option[2:]} code" in _usage_error(
            "stats", "--db", loaded, option, code)
    # codes are read whatever their case
    assert {r["pmid"] for r in export_jsonl(loaded, "--design", "RCT")} == {
        r["pmid"] for r in export_jsonl(loaded, "--design", "rct")}


def test_bad_option_values_are_usage_errors_naming_the_value(tmp_path: Path):
    line = _usage_error("stats", "--db", "notaurl")
    assert "'notaurl' is not a database URL" in line
    # an unreadable URL: where its password ends is unknown, so all before the host goes
    for unreadable in ("postgresql://reader:s3cret@db:port/x", "postgresql:/reader:s3cret@db/x",
                       "postgresql//reader:s3cret@db", "postgresql://reader:s3:cr/et@db:port/x"):
        line = _usage_error("stats", "--db", unreadable)
        assert "s3" not in line and "***@db" in line, line
    assert "not a date: 'yesterday'" in _usage_error(
        "ingest", "--since", "yesterday", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert "'(' has no word to search for" in _usage_error(
        "export", "--format", "csv", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--text", "(")


def test_a_database_path_in_a_missing_directory_is_refused(tmp_path: Path):
    """A mistyped --db must not create a new empty database that answers "0 studies"
    (the reading commands refuse any missing file; the writing ones a missing folder)."""
    missing = tmp_path / "no-such-dir" / "evidence.db"
    result = run("import", "--db", f"sqlite:///{missing}", EDGE)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"evidence: cannot open database sqlite:///{missing}: "
                                     f"there is no directory {missing.parent}")
    assert not missing.parent.exists()


def test_text_filter_takes_word_prefixes(loaded):
    def pmids(*filters: str) -> set[str]:
        return {record["pmid"] for record in export_jsonl(loaded, *filters)}

    assert pmids("--text", "derma") == set()  # whole words only ...
    assert pmids("--text", "derma*") == pmids("--text", "dermapen") | pmids(
        "--text", "dermaroller") != set()  # ... unless a "*" asks for every word it begins
    assert pmids("--text", "derma* platelet") == pmids("--text", "derma*") & pmids(
        "--text", "platelet")
    # A prefix that is an English stop word stays in the query (PostgreSQL's English
    # configuration would drop it, and the search would widen to "microneedling" alone).
    assert pmids("--text", "microneedling") != set()
    assert pmids("--text", "ourselves* microneedling") == set()
    assert pmids("--text", "   ") == pmids()  # blank: no search at all


def test_export_to_dash_is_standard_output(loaded, tmp_path: Path):
    result = run("export", "--format", "jsonl", "--db", loaded, "--out", "-")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 6
    assert not Path("-").exists()


def test_export_into_a_missing_directory_is_one_line(loaded, tmp_path: Path):
    out = tmp_path / "missing" / "studies.csv"
    result = run("export", "--format", "csv", "--db", loaded, "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"evidence: cannot write {out}: No such file or directory"


@pytest.mark.parametrize("fmt", ["jsonl", "xlsx"])
def test_a_reader_that_stops_early_gets_no_error(db_url, tmp_path: Path, fmt: str):
    """`evidence export ... | head -1`: the closed pipe ends the export without a message
    (XLSX: nor one from the spreadsheet writers it leaves half-way)."""
    corpus = tmp_path / "corpus.xml"
    write_corpus(corpus, 600)  # far more than a pipe holds, so the export meets the close
    assert run("import", "--db", db_url, str(corpus)).exit_code == 0
    env = {**os.environ, "EVIDENCE_DB_URL": db_url}
    done = subprocess.run(
        f"{sys.executable} -m evidence.cli export --format {fmt} | head -c 10",
        shell=True, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert len(done.stdout) == 10
    assert done.stderr == ""


def test_cite_unknown_pmid_is_a_clear_error(loaded):
    result = run("cite", "123", "--db", loaded)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("evidence: PMID 123 not in the database (import or "
                                     "ingest it first)")
    # one mistyped PMID among others: those stored are still cited, then the error
    mixed = run("cite", "90000001", "123", "--db", loaded)
    assert mixed.exit_code == 1
    assert mixed.stdout.count("RCT, n=100") == 1
    assert mixed.stderr.strip().startswith("evidence: PMID 123 not in the database")


def test_default_database_is_data_evidence_db_and_env_overrides(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_DB_URL"}
    command = [sys.executable, "-m", "evidence.cli", "import", EDGE]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "evidence.db").is_file()
    other = tmp_path / "other.db"
    env["EVIDENCE_DB_URL"] = f"sqlite:///{other}"
    subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True)
    assert other.is_file()


def test_console_script_is_installed():
    done = subprocess.run([str(Path(sys.executable).with_name("evidence")), "--help"],
                          capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    assert done.returncode == 0
    for command in ("ingest", "import", "export", "cite", "retag", "stats", "eval", "check"):
        assert command in done.stdout


@pytest.mark.parametrize("command", [["export", "--format", "csv"], ["stats"], ["check"],
                                     ["retag"], ["cite", "123"]])
def test_a_mistyped_sqlite_file_is_refused_not_made_empty(tmp_path: Path, command: list[str]):
    """Reading commands would otherwise create the file and answer "0 studies"."""
    missing = tmp_path / "evidnce.db"
    result = run(*command, "--db", f"sqlite:///{missing}")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"evidence: no database at {missing}: check --db (or EVIDENCE_DB_URL), or build it "
        "first with evidence import or evidence ingest")
    assert not missing.exists()


@pytest.mark.parametrize(("low", "high"), [("--min-year", "--max-year"),
                                           ("--min-level", "--max-level")])
def test_bounds_that_cross_are_a_usage_error(loaded, low: str, high: str):
    result = run("export", "--format", "csv", "--db", loaded, low, "4", high, "2")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith(f"evidence: {low} 4 is above {high} 2: no study can match (see '")
    assert line.endswith(" export --help')") and "\n" not in line


def test_a_database_another_writer_holds_is_one_line(tmp_path: Path, monkeypatch):
    """SQLite's busy wait running out (a writer holding the lock) names the database."""
    import sqlite3

    import evidence.db

    path = tmp_path / "busy.db"
    assert run("import", "--db", f"sqlite:///{path}", EDGE).exit_code == 0
    monkeypatch.setattr(evidence.db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # not 30 s in a test
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run("retag", "--db", f"sqlite:///{path}")
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"evidence: the database sqlite:///{path} stayed locked by another writer (an import "
        "or ingest?) for 0.2 s; committed batches are kept, run the command again when it "
        "has finished")


def test_min_n_zero_bounds_nothing_and_a_wild_one_is_a_usage_error(loaded):
    """--min-n 0 is no bound, as the dashboard's 0; a negative or huge one is refused."""
    everything = {record["pmid"] for record in export_jsonl(loaded)}
    assert {record["pmid"] for record in export_jsonl(loaded, "--min-n", "0")} == everything
    for wild in ("-5", "99999999999999999999"):
        result = run("export", "--format", "jsonl", "--db", loaded, "--min-n", wild)
        assert result.exit_code == 2 and "--min-n" in result.output
