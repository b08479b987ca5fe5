"""Every export format, written from hand-made records and parsed back field by field.

Parsers: json, csv, openpyxl, bibtexparser 2.x (``parse_string`` + middlewares)
and rispy. Expected values are written out from the records, not computed
by the code under test.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from openpyxl import load_workbook

from evidence.errors import EvidenceError
from evidence.exports import (
    COLUMNS,
    FORMATS,
    RECORD_KEYS,
    XLSX_MAX_CELL_CHARS,
    BibtexKeys,
    ExportFormat,
    ExportInfo,
    UnknownFormatError,
    export,
    export_bytes,
    neutralise,
)
from tests.export_records import (
    DHURAT,
    FORMULA,
    GROUP,
    MULLER,
    RETRACTED,
    TAGGER_VERSION,
    records,
)

FORMULA_TITLE = '=HYPERLINK("http://x","y")'
EVIDENCE_LINES = {
    DHURAT["pmid"]: "RCT, n=100; microneedling, minoxidil; hair count, global assessment, "
                    "patient assessment",
    MULLER["pmid"]: "RCT, n=20; microneedling, PRP; hair density, adverse events",
    GROUP["pmid"]: "Meta-analysis, n=640; microneedling, minoxidil, PRP; hair count, "
                   "hair density",
    RETRACTED["pmid"]: "RETRACTED: Case series, n=8; microneedling; severity score",
    FORMULA["pmid"]: "Case report, n=-5; minoxidil",
}
REFERENCE_TITLES = {  # PubMed's trailing period dropped; retraction marked
    DHURAT["pmid"]: "A randomized evaluation of minoxidil and microneedling in androgenetic "
                    "alopecia",
    MULLER["pmid"]: "Microneedling at ≥600 μm depth with platelet-rich plasma in female "
                    "pattern hair loss: a split-scalp trial",
    GROUP["pmid"]: "Microneedling for hair loss: a systematic review and meta-analysis",
    RETRACTED["pmid"]: "[RETRACTED] Does microneedling alone regrow hair in alopecia areata?",
    FORMULA["pmid"]: FORMULA_TITLE,
}


def _info() -> ExportInfo:
    return ExportInfo(filters={"design": ["rct", "meta_analysis"], "min_year": 2010},
                      generated_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))


# --------------------------------------------------------------------------- registry


def test_registry_has_exactly_the_contract_formats() -> None:
    assert list(FORMATS) == ["jsonl", "csv", "xlsx", "bibtex", "ris", "csl-json"]
    for name, fmt in FORMATS.items():
        assert isinstance(fmt, ExportFormat)
        assert fmt.name == name
        assert callable(fmt.write)
    assert [fmt.binary for fmt in FORMATS.values()] == [False, False, True, False, False, False]
    assert FORMATS["bibtex"].extension == "bib"
    assert FORMATS["csl-json"].extension == "json"
    with pytest.raises(dataclasses.FrozenInstanceError):
        FORMATS["csv"].name = "tsv"  # type: ignore[misc]


def test_unknown_format_is_a_domain_error() -> None:
    with pytest.raises(UnknownFormatError, match="'docx'") as raised:
        export_bytes(records(), "docx")
    assert isinstance(raised.value, EvidenceError)


@pytest.mark.parametrize("name", list(FORMATS))
def test_export_counts_and_export_bytes_matches_export(name: str) -> None:
    info = _info()
    buffer = io.BytesIO()
    returned = export(iter(records()), name, buffer, info)
    assert returned is info
    assert info.count == 5
    assert info.tagger_version == TAGGER_VERSION  # filled from the records
    if name != "xlsx":  # xlsx zips carry timestamps
        assert export_bytes(records(), FORMATS[name], _info()) == buffer.getvalue()
    assert not buffer.closed  # the caller's stream stays usable


@pytest.mark.parametrize("name", list(FORMATS))
def test_empty_export_is_valid(name: str) -> None:
    info = ExportInfo()
    data = export_bytes([], name, info)
    assert info.count == 0
    if name == "csl-json":
        assert json.loads(data) == []
    elif name == "csv":
        assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [list(COLUMNS)]
    elif name == "xlsx":
        assert load_workbook(io.BytesIO(data)).sheetnames == [
            "Studies", "By design", "Intervention x outcome", "About"]
    else:
        assert data == b""


def test_filename() -> None:
    when = datetime(2024, 5, 1, tzinfo=UTC)
    assert FORMATS["bibtex"].filename(generated_at=when) == "microneedling-evidence-2024-05-01.bib"


# --------------------------------------------------------------------------- jsonl


def test_jsonl_round_trip() -> None:
    data = export_bytes(records(), "jsonl", _info())
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == 5
    for line, record in zip(lines, records(), strict=True):
        parsed = json.loads(line)
        assert list(parsed) == [*RECORD_KEYS, "evidence_line"]
        assert parsed == {**record, "evidence_line": EVIDENCE_LINES[record["pmid"]]}
    assert "Müller K".encode() in data  # ensure_ascii=False: readable UTF-8
    assert b"\\u00fc" not in data


def test_jsonl_keeps_extra_keys_the_query_layer_adds() -> None:
    record = {**DHURAT, "cited_by": 12}
    [line] = export_bytes([record], "jsonl").decode("utf-8").splitlines()
    assert json.loads(line)["cited_by"] == 12


# --------------------------------------------------------------------------- csv


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_round_trip_field_by_field() -> None:
    rows = _csv_rows(export_bytes(records(), "csv", _info()))
    assert len(rows) == 5
    assert list(rows[0]) == list(COLUMNS)
    dhurat, muller, group, retracted, _ = rows
    assert dhurat["pmid"] == "23960389"
    assert dhurat["title"] == DHURAT["title"]
    assert dhurat["abstract"] == DHURAT["abstract"]  # multi-line cell intact
    assert dhurat["authors"] == "Dhurat R; Sukesh M; Avhad G; Dandale A; Pai A; Pai GS"
    assert dhurat["outcomes"] == "hair_count; global_assessment; patient_assessment"
    assert dhurat["year"] == "2013"
    assert dhurat["sample_size"] == "100"
    assert dhurat["needle_depth_mm"] == "1.5; 1.5"
    assert dhurat["follow_up_weeks"] == "12"
    assert dhurat["retracted"] == "false"
    assert dhurat["relevant"] == "true"
    assert json.loads(dhurat["evidence"]) == DHURAT["evidence"]
    assert dhurat["evidence_line"] == EVIDENCE_LINES[DHURAT["pmid"]]
    assert muller["authors"].startswith("Müller K; Núñez-García A; Øster-Hansen PB")
    assert muller["title"] == MULLER["title"]  # "≥600 μm" intact
    assert muller["needle_depth_mm"] == "0.6; 1.2"
    assert muller["trial_ids"] == "NCT03000001"
    assert group["doi"] == group["volume"] == group["needle_depth_mm"] == ""
    assert group["evidence"] == "{}"
    assert retracted["retracted"] == "true"
    assert retracted["evidence_line"].startswith("RETRACTED")


def test_csv_every_contract_field_survives() -> None:
    """Each column parses back to the record's value under the documented rules."""
    rows = _csv_rows(export_bytes(records(), "csv"))
    for row, record in zip(rows, records(), strict=True):
        for key in RECORD_KEYS:
            value, cell = record[key], row[key]
            if value is None:
                assert cell == ""
            elif isinstance(value, bool):
                assert cell == str(value).lower()
            elif key == "needle_depth_mm":
                assert [float(part) for part in cell.lstrip("'").split("; ")] == value
            elif key == "evidence":
                assert json.loads(cell) == value
            elif isinstance(value, list):
                assert cell.lstrip("'").split("; ") == value if value else cell == ""
            else:
                assert cell.lstrip("'") == str(value), key


def test_csv_neutralises_formulas_but_not_numbers() -> None:
    [row] = _csv_rows(export_bytes([FORMULA], "csv"))
    assert row["title"] == "'" + FORMULA_TITLE
    assert row["abstract"] == "'-2+3 is not a formula to run; @SUM(A1) neither."
    assert row["journal"] == "'+Journal of Injection"
    assert row["keywords"] == "'@mention; -leading dash"
    assert row["needle_depth_mm"] == "'-1; 2.5"  # text, and it starts with "-"
    assert row["sample_size"] == "-5"  # a number stays a number
    assert row["follow_up_weeks"] == "-5"
    for cell in row.values():
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"),
    ("+cmd", "'+cmd"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-5", "-5"),
    ("+1.5", "+1.5"),
    ("-1e3", "-1e3"),
    ("plain", "plain"),
    ("", ""),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_csv_streams_a_large_iterator() -> None:
    """5,000 generated records: written while the generator runs, in bounded memory."""
    total = 5_000
    pulled = 0

    def generate() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for number in range(total):
            record = copy.deepcopy(DHURAT)
            record["pmid"] = str(10_000_000 + number)
            record["abstract"] = DHURAT["abstract"] * 3
            pulled += 1
            yield record

    class Sink(io.RawIOBase):
        """Counts bytes and remembers how far the generator was at the first write."""

        def __init__(self) -> None:
            self.size = 0
            self.pulled_at_first_write: int | None = None

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            if self.pulled_at_first_write is None:
                self.pulled_at_first_write = pulled
            self.size += len(data)
            return len(data)

    sink = Sink()
    info = ExportInfo()
    tracemalloc.start()
    try:
        FORMATS["csv"].write(generate(), sink, info)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.count == total == pulled
    assert sink.pulled_at_first_write is not None
    assert sink.pulled_at_first_write < total / 10  # output began long before the end
    assert sink.size > 5_000_000
    assert peak < sink.size / 10  # memory is not proportional to the output


# --------------------------------------------------------------------------- xlsx


def _workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def test_xlsx_sheets_and_studies_round_trip() -> None:
    workbook = _workbook(export_bytes(records(), "xlsx", _info()))
    assert workbook.sheetnames == ["Studies", "By design", "Intervention x outcome", "About"]
    rows = list(workbook["Studies"].iter_rows())
    assert [cell.value for cell in rows[0]] == list(COLUMNS)
    assert len(rows) == 6
    cells = [{column: cell for column, cell in zip(COLUMNS, row, strict=True)} for row in rows[1:]]
    dhurat, muller, group, retracted, formula = cells
    assert dhurat["title"].value == DHURAT["title"]
    assert dhurat["abstract"].value == DHURAT["abstract"]
    assert dhurat["authors"].value == "Dhurat R; Sukesh M; Avhad G; Dandale A; Pai A; Pai GS"
    assert (dhurat["year"].value, dhurat["year"].data_type) == (2013, "n")
    assert dhurat["sample_size"].value == 100
    assert (dhurat["retracted"].value, dhurat["retracted"].data_type) == (False, "b")
    assert dhurat["needle_depth_mm"].value == "1.5; 1.5"
    assert json.loads(dhurat["evidence"].value) == DHURAT["evidence"]
    assert dhurat["evidence_line"].value == EVIDENCE_LINES[DHURAT["pmid"]]
    assert dhurat["pmid"].value == "23960389"  # an identifier stays text
    assert muller["authors"].value.startswith("Müller K; Núñez-García A")
    assert "≥600 μm" in muller["title"].value
    assert group["doi"].value is None
    assert retracted["retracted"].value is True
    assert retracted["evidence_line"].value.startswith("RETRACTED")
    # A formula is stored as the text it is, never as a formula (no apostrophe added:
    # a string cell is never run); signed numbers stay numbers.
    assert formula["title"].data_type == "s"
    assert formula["title"].value == FORMULA_TITLE
    assert formula["journal"].value == "+Journal of Injection"
    assert (formula["sample_size"].value, formula["sample_size"].data_type) == (-5, "n")
    assert (formula["follow_up_weeks"].value, formula["follow_up_weeks"].data_type) == (-5, "n")
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title


def test_xlsx_summary_sheets() -> None:
    workbook = _workbook(export_bytes(records(), "xlsx", _info()))
    by_design = [[cell.value for cell in row] for row in workbook["By design"].iter_rows()]
    assert by_design == [
        ["Design", "Design code", "Evidence level", "Studies",
         "Participants (sum of reported n)", "Studies reporting n", "Retracted (of the studies)"],
        ["Meta-analysis", "meta_analysis", 1, 1, 640, 1, 0],
        ["RCT", "rct", 2, 2, 120, 2, 0],
        ["Case series", "case_series", 4, 1, 8, 1, 1],
        ["Case report", "case_report", 4, 1, -5, 1, 0],
    ]  # the retracted case series counts, as on the dashboard, and is marked
    pairs = [[cell.value for cell in row]
             for row in workbook["Intervention x outcome"].iter_rows()]
    assert pairs[0] == ["Intervention", "Outcome", "Studies", "Best evidence level",
                        "Intervention code", "Outcome code", "Retracted (of the studies)"]
    # the retracted case series is counted in its pairs and marked there, as on screen
    assert [row[:4] + row[6:] for row in pairs[1:]] == [
        ["microneedling", "hair density", 2, 1, 0],
        ["microneedling", "hair count", 2, 1, 0],
        ["microneedling", "global assessment", 1, 2, 0],
        ["microneedling", "patient assessment", 1, 2, 0],
        ["microneedling", "severity score", 1, 4, 1],
        ["microneedling", "adverse events", 1, 2, 0],
        ["minoxidil", "hair density", 1, 1, 0],
        ["minoxidil", "hair count", 2, 1, 0],
        ["minoxidil", "global assessment", 1, 2, 0],
        ["minoxidil", "patient assessment", 1, 2, 0],
        ["PRP", "hair density", 2, 1, 0],
        ["PRP", "hair count", 1, 1, 0],
        ["PRP", "adverse events", 1, 2, 0],
    ]


def test_xlsx_about_sheet() -> None:
    workbook = _workbook(export_bytes(records(), "xlsx", _info()))
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert about["Source"] == "PubMed"
    assert about["Generated at"] == "2024-05-01T12:00:00+00:00"
    assert about["Tagger version"] == TAGGER_VERSION
    assert about["Studies"] == 5
    assert about["Retracted studies (counted in the summaries, as on the dashboard)"] == 1
    assert about["Filter: design"] == "rct; meta_analysis"
    assert about["Filter: min_year"] == "2010"


def test_xlsx_about_sheet_with_text_filters_and_none() -> None:
    for filters, expected in (("relevant only, 2015+", "relevant only, 2015+"),
                              ({}, "none (every stored study)")):
        data = export_bytes([DHURAT], "xlsx", ExportInfo(filters=filters))
        about = {row[0].value: row[1].value
                 for row in _workbook(data)["About"].iter_rows(min_row=2)}
        assert about["Filters"] == expected


def test_xlsx_cleans_control_characters_and_caps_cell_length() -> None:
    record = {**DHURAT, "title": "Bad\x0bchar", "abstract": "x" * 40_000}
    workbook = _workbook(export_bytes([record], "xlsx"))
    row = next(workbook["Studies"].iter_rows(min_row=2))
    cells = dict(zip(COLUMNS, row, strict=True))
    assert cells["title"].value == "Badchar"
    assert len(cells["abstract"].value) == XLSX_MAX_CELL_CHARS
    assert cells["abstract"].value.endswith("[…]")


# --------------------------------------------------------------------------- bibtex


def _bibtex(data: bytes, *, decode: bool) -> Any:
    extra = [middlewares.LatexDecodingMiddleware()] if decode else []
    library = bibtexparser.parse_string(data.decode("utf-8"), append_middleware=extra)
    assert library.failed_blocks == []
    return library


def test_bibtex_round_trip_field_by_field() -> None:
    data = export_bytes(records(), "bibtex", _info())
    raw = _bibtex(data, decode=False).entries
    decoded = _bibtex(data, decode=True).entries
    assert [entry.key for entry in raw] == [
        "dhurat2013randomized", "muller2019microneedling", "microneedling2022microneedling",
        "smith2021microneedling", "doe2023hyperlink"]
    assert {entry.entry_type for entry in raw} == {"article"}

    dhurat = raw[0].fields_dict
    assert dhurat["author"].value == (
        "Dhurat, R. and Sukesh, M. and Avhad, G. and Dandale, A. and Pai, A. and Pai, G. S.")
    assert dhurat["journal"].value == "International Journal of Trichology"
    assert dhurat["year"].value == "2013"
    assert dhurat["volume"].value == "5"
    assert dhurat["number"].value == "1"
    assert dhurat["pages"].value == "6--11"
    assert dhurat["doi"].value == "10.4103/0974-7753.114700"
    assert dhurat["pmid"].value == "23960389"
    assert dhurat["pmcid"].value == "PMC3746236"
    assert dhurat["url"].value == "https://pubmed.ncbi.nlm.nih.gov/23960389/"
    assert raw[1].fields_dict["pages"].value == "1412--1419"

    for entry, record in zip(decoded, records(), strict=True):
        fields = {name: field.value for name, field in entry.fields_dict.items()}
        assert fields["title"] == REFERENCE_TITLES[record["pmid"]]
        assert fields["abstract"] == record["abstract"]  # "5%" escaped and restored
        assert fields["note"] == EVIDENCE_LINES[record["pmid"]]
        assert fields["pmid"] == record["pmid"]
        assert fields.get("doi") == record["doi"]
        assert fields.get("volume") == record["volume"]
    muller = {name: field.value for name, field in decoded[1].fields_dict.items()}
    assert muller["author"] == ("Müller, K. and Núñez-García, A. and Øster-Hansen, P. B. and "
                                "Schröder, L. and Weiß, T. and Dupré, É. and Łukasik, M. and "
                                "Ahmed, S.")
    assert muller["keywords"] == "PRP, Platelet-rich plasma, Alopecia"
    dhurat_keywords = decoded[0].fields_dict["keywords"].value
    assert dhurat_keywords == "Androgenetic alopecia, microneedling, minoxidil, Alopecia, Needles"
    # a MeSH term's own comma would split it into two tags when imported
    comma = {**records()[0], "keywords": [], "mesh_terms": ["Aged, 80 and over", "Alopecia"]}
    [entry] = bibtexparser.parse_string(export_bytes([comma], FORMATS["bibtex"]).decode()).entries
    assert entry.fields_dict["keywords"].value == "Aged 80 and over, Alopecia"
    assert "doi" not in decoded[2].fields_dict and "volume" not in decoded[2].fields_dict


def test_bibtex_names_parse_as_people_and_groups() -> None:
    library = bibtexparser.parse_string(
        export_bytes([MULLER, GROUP], "bibtex").decode("utf-8"),
        append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()])
    muller, group = library.entries
    assert [name.last for name in muller["author"][:3]] == [
        ["Müller"], ["Núñez-García"], ["Øster-Hansen"]]
    assert muller["author"][2].first == ["P.", "B."]
    assert len(group["author"]) == 1  # the braces keep the group one name
    assert group["author"][0].last == ["{Microneedling Evidence Study Group}"]


def test_a_name_suffix_reaches_bibtex_and_ris_in_their_own_place() -> None:
    record = {**MULLER, "authors": ["Bunn PA Jr", "Müller K"]}
    library = bibtexparser.parse_string(
        export_bytes([record], "bibtex").decode("utf-8"),
        append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()])
    bunn = library.entries[0]["author"][0]
    assert (bunn.last, bunn.jr, bunn.first) == (["Bunn"], ["Jr"], ["P.", "A."])
    reference = rispy.loads(export_bytes([record], "ris", _info()).decode("utf-8"))[0]
    assert reference["authors"] == ["Bunn, P. A., Jr", "Müller, K."]


def test_bibtex_title_protects_capitals() -> None:
    record = {**DHURAT, "title": "Microneedling and PRP versus minoxidil in AGA: Results."}
    [entry] = _bibtex(export_bytes([record], "bibtex"), decode=False).entries
    assert entry["title"] == "Microneedling and {PRP} versus minoxidil in {AGA:} {Results}"


def test_bibtex_escapes_latex_specials_losslessly() -> None:
    text = "Braces {x}, 25% & R_D #1 $5 ~2 mm, back\\slash -- not a dash"
    record = {**DHURAT, "abstract": text, "title": "a^2 " + text}
    data = export_bytes([record], "bibtex")
    [raw] = _bibtex(data, decode=False).entries
    assert r"25\%" in raw["abstract"] and r"\&" in raw["abstract"]
    assert r"a\textasciicircum{}2" in raw["title"]
    [decoded] = _bibtex(data, decode=True).entries
    assert decoded["abstract"] == text
    # pylatexenc decodes \textasciicircum as U+02C6; LaTeX prints "^".
    assert decoded["title"] == "aˆ2 " + text


def test_bibtex_keys_are_deterministic_and_unique() -> None:
    same = {**DHURAT, "title": "The randomized trial."}
    keys = BibtexKeys()
    assert [keys.key(record) for record in (DHURAT, same, same, DHURAT)] == [
        "dhurat2013randomized", "dhurat2013randomizeda", "dhurat2013randomizedb",
        "dhurat2013randomizedc"]
    again = BibtexKeys()
    assert [again.key(record) for record in (DHURAT, same)] == [
        "dhurat2013randomized", "dhurat2013randomizeda"]
    anonymous = {**DHURAT, "authors": [], "year": None, "title": "On the of a 2020"}
    assert BibtexKeys().key(anonymous) == "anonnd"
    keys = BibtexKeys()
    many = [keys.key(DHURAT) for _ in range(30)]
    assert len(set(many)) == 30
    assert many[27] == "dhurat2013randomizedaa"


def test_bibtex_marks_retraction() -> None:
    [entry] = _bibtex(export_bytes([RETRACTED], "bibtex"), decode=True).entries
    assert entry["title"].startswith("[RETRACTED] ")
    assert entry["note"].startswith("RETRACTED")


# --------------------------------------------------------------------------- ris


def test_ris_round_trip_field_by_field() -> None:
    data = export_bytes(records(), "ris", _info()).decode("utf-8")
    assert data.startswith("TY  - JOUR\n")  # no rispy "1." counter lines
    parsed = rispy.loads(data)
    assert len(parsed) == 5
    for reference, record in zip(parsed, records(), strict=True):
        assert reference["type_of_reference"] == "JOUR"
        assert reference["title"] == REFERENCE_TITLES[record["pmid"]]
        assert reference["accession_number"] == reference["id"] == record["pmid"]
        assert reference["notes"] == [EVIDENCE_LINES[record["pmid"]]]
        assert reference["urls"] == [f"https://pubmed.ncbi.nlm.nih.gov/{record['pmid']}/"]
        assert reference["secondary_title"] == record["journal"]
        assert reference.get("alternate_title1") == record["journal_abbrev"]
        assert reference.get("doi") == record["doi"]
        assert reference["year"] == str(record["year"])
        # rispy joins continuation lines with a space
        assert reference["abstract"] == " ".join(record["abstract"].splitlines())
    dhurat, muller, group, _, _ = parsed
    assert dhurat["authors"] == ["Dhurat, R.", "Sukesh, M.", "Avhad, G.", "Dandale, A.",
                                 "Pai, A.", "Pai, G. S."]
    assert (dhurat["volume"], dhurat["number"]) == ("5", "1")
    assert (dhurat["start_page"], dhurat["end_page"]) == ("6", "11")
    assert dhurat["date"] == "2013/01"
    assert dhurat["custom2"] == "PMC3746236"
    assert dhurat["keywords"] == ["Androgenetic alopecia", "microneedling", "minoxidil",
                                  "Alopecia", "Needles"]
    assert muller["authors"][:3] == ["Müller, K.", "Núñez-García, A.", "Øster-Hansen, P. B."]
    assert (muller["start_page"], muller["end_page"]) == ("1412", "1419")
    assert muller["date"] == "2019/10/03"
    assert group["authors"] == ["Microneedling Evidence Study Group"]
    for absent in ("volume", "number", "start_page", "doi"):
        assert absent not in group


def test_bibtex_and_ris_name_the_journal_as_it_prints_itself() -> None:
    record = {**records()[0], "journal": "Journal of visualized experiments : JoVE"}
    library = bibtexparser.parse_string(export_bytes([record], "bibtex").decode("utf-8"))
    assert library.entries[0]["journal"] == "Journal of visualized experiments"
    reference = rispy.loads(export_bytes([record], "ris", _info()).decode("utf-8"))[0]
    assert reference["secondary_title"] == "Journal of visualized experiments"


@pytest.mark.parametrize(("pages", "start", "end"), [
    ("1790-1; discussion 1791", "1790", "1791"),
    ("e1-8", "e1", "e8"),
])
def test_ris_pages_come_from_the_first_range(pages: str, start: str, end: str) -> None:
    record = {**records()[0], "pages": pages}
    reference = rispy.loads(export_bytes([record], "ris", _info()).decode("utf-8"))[0]
    assert (reference["start_page"], reference["end_page"]) == (start, end)


def test_ris_continuation_line_cannot_forge_a_tag() -> None:
    record = {**DHURAT, "abstract": "First line\nER  - not the end\nTI  - nor a title"}
    [reference] = rispy.loads(export_bytes([record], "ris").decode("utf-8"))
    assert reference["title"] == REFERENCE_TITLES[DHURAT["pmid"]]
    assert "not the end" in reference["abstract"]
    assert reference["notes"] == [EVIDENCE_LINES[DHURAT["pmid"]]]


# --------------------------------------------------------------------------- csl-json


def test_csl_json_round_trip() -> None:
    items = json.loads(export_bytes(records(), "csl-json", _info()))
    assert [item["id"] for item in items] == [record["pmid"] for record in records()]
    dhurat = items[0]
    assert dhurat["type"] == "article-journal"
    assert dhurat["title"] == REFERENCE_TITLES[DHURAT["pmid"]]
    assert dhurat["container-title"] == "International Journal of Trichology"
    assert dhurat["container-title-short"] == "Int J Trichology"
    assert dhurat["issued"] == {"date-parts": [[2013, 1]]}
    assert dhurat["author"][-1] == {"family": "Pai", "given": "G. S."}
    assert items[1]["author"][1] == {"family": "Núñez-García", "given": "A."}
    assert items[2]["author"] == [{"literal": "Microneedling Evidence Study Group"}]
    assert items[3]["title"].startswith("[RETRACTED] ")
    assert items[3]["note"].startswith("RETRACTED")
    for item, record in zip(items, records(), strict=True):
        assert item["PMID"] == record["pmid"]
        assert item.get("DOI") == record["doi"]
        assert item["note"] == EVIDENCE_LINES[record["pmid"]]


# --------------------------------------------------------------------------- retraction


def test_every_format_marks_the_retracted_study() -> None:
    assert json.loads(export_bytes([RETRACTED], "jsonl"))["retracted"] is True
    assert _csv_rows(export_bytes([RETRACTED], "csv"))[0]["retracted"] == "true"
    studies = _workbook(export_bytes([RETRACTED], "xlsx"))["Studies"]
    row = dict(zip(COLUMNS, next(studies.iter_rows(min_row=2, values_only=True)), strict=True))
    assert row["retracted"] is True
    for name in ("ris", "csl-json"):
        assert "[RETRACTED] Does microneedling" in export_bytes([RETRACTED], name).decode()
    assert "{[RETRACTED]} {Does} microneedling" in export_bytes([RETRACTED], "bibtex").decode()
