"""Export formats: plain writer functions in one registry, :data:`FORMATS`.

The CLI (``evidence export --format ...``) and the dashboard's download
buttons both look formats up here, so a format cannot differ between them.
Every writer takes an iterable of export records (CONTRACT.md dicts), a binary
stream and an :class:`ExportInfo`; it consumes the records one at a time, so a
query can stream thousands of studies without holding them in memory (XLSX
included: openpyxl's write-only mode spools rows to a temporary file).

Decisions worth knowing:

* **Lists** in CSV/XLSX cells are joined with ``"; "`` (CONTRACT.md), the
  ``[min, max]`` of ``needle_depth_mm`` too (``"0.5; 1.5"``: a dash would be
  ambiguous next to a minus sign). ``evidence`` is JSON text, because
  its sentences may themselves contain ``"; "`` or ``": "`` and JSON keeps the
  cell lossless and machine-readable.
* **Formula injection** (OWASP "CSV injection"): a text cell beginning with
  ``= + - @``, tab or carriage return gets a leading apostrophe. Numbers are
  written as numbers and never touched; a text cell that is nothing but a
  plain number (``"-5"``) is not a formula and is left alone too. In XLSX,
  text cells are also forced to the string type so openpyxl never writes a
  formula.
* **Retracted studies** keep ``retracted`` = true in JSONL, CSV and XLSX, and
  their evidence line starts with ``RETRACTED:``. In BibTeX, RIS and CSL-JSON,
  which end up in reference managers where only the title is sure to be seen,
  the title is prefixed ``[RETRACTED] `` and the note carries the evidence
  line (so "RETRACTED" too).
* **Keywords** in BibTeX and RIS are the author keywords followed by the MeSH
  terms (duplicates dropped): reference managers turn them into tags, and many
  PubMed records have MeSH terms but no author keywords.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, BinaryIO, Final

import rispy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from evidence.citations import (
    PUBMED_URL,
    ascii_fold,
    citation_title,
    date_parts,
    expand_page_range,
    journal_name,
    parse_author,
    to_csl_json,
)
from evidence.errors import EvidenceError
from evidence.evidence_line import evidence_line
from evidence.labels import (
    DESIGN_LABELS,
    EVIDENCE_LEVELS,
    INTERVENTION_LABELS,
    OUTCOME_LABELS,
    label,
)

#: The export record's keys, in CONTRACT.md order.
RECORD_KEYS: Final = (
    "pmid", "doi", "pmcid", "title", "abstract", "journal", "journal_abbrev", "volume",
    "issue", "pages", "year", "pub_date", "authors", "language", "publication_types",
    "mesh_terms", "keywords", "trial_ids", "retracted", "relevant", "design",
    "evidence_level", "conditions", "interventions", "devices", "outcomes", "sample_size",
    "sessions", "needle_depth_mm", "follow_up_weeks", "evidence", "tagger_version",
)
#: Keys our records carry beyond CONTRACT.md's, for citations and CSL-JSON only: the
#: JSONL, CSV and XLSX record stays the contract's.
NOT_EXPORTED_KEYS: Final = frozenset({"vernacular_title"})
#: CSV and XLSX "Studies" columns: the record plus its evidence line.
COLUMNS: Final = (*RECORD_KEYS, "evidence_line")

LIST_SEPARATOR: Final = "; "  # CONTRACT.md: "lists joined with `; `"
SOURCE: Final = "PubMed"

# OWASP CSV injection: characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Excel refuses cells longer than this (and "repairs" the file); see its specifications.
XLSX_MAX_CELL_CHARS: Final = 32_767
_TRUNCATION_MARK: Final = " […]"


class UnknownFormatError(EvidenceError, ValueError):
    """An export format name that is not in :data:`FORMATS`."""


@dataclass(slots=True)
class ExportInfo:
    """What an export file says about itself (XLSX "About" sheet, return value).

    ``count`` is filled in by the writer as it goes, so a caller streaming
    records learns how many were written without counting twice.
    ``tagger_version``, when not given, is filled from the records.
    """

    filters: Mapping[str, Any] | str = field(default_factory=dict)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    tagger_version: str | None = None
    count: int | None = None


Writer = Callable[[Iterable[Mapping[str, Any]], BinaryIO, ExportInfo], None]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export format: how to write it and how to offer it for download."""

    name: str
    extension: str
    media_type: str
    binary: bool
    write: Writer

    def filename(self, stem: str = "microneedling-evidence",
                 generated_at: datetime | None = None) -> str:
        """A download file name such as ``microneedling-evidence-2024-05-01.csv``."""
        when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d")
        return f"{stem}-{when}.{self.extension}"


# --------------------------------------------------------------------------- helpers


def _counted(records: Iterable[Mapping[str, Any]], info: ExportInfo) -> Iterator[Mapping[str, Any]]:
    """Yield records while keeping ``info.count`` (and a missing tagger version) current."""
    info.count = 0
    versions: list[str] = []
    for record in records:
        info.count += 1
        version = record.get("tagger_version")
        if version and version not in versions:
            versions.append(version)
        yield record
    if info.tagger_version is None and versions:
        info.tagger_version = ", ".join(versions)


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (OWASP).

    A text that is just a number (``"-5"``, ``"+1.5"``) is not a formula and
    is returned unchanged, so signed numbers stored as text stay numbers.
    """
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def _number(value: int | float) -> int | float:
    """``12.0`` as ``12``: follow-up weeks and depths read better without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _depth_text(depth: Any) -> str:
    return LIST_SEPARATOR.join(str(_number(value)) for value in depth)


def _cell_value(column: str, record: Mapping[str, Any]) -> str | int | float | bool | None:
    """A record field as one spreadsheet cell: numbers and booleans stay typed.

    Text comes back as it is; CSV neutralises it (:func:`_csv_text`), XLSX types it.
    """
    value = evidence_line(record) if column == "evidence_line" else record.get(column)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if column == "needle_depth_mm":
        text = _depth_text(value)
    elif isinstance(value, Mapping):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list | tuple):
        text = LIST_SEPARATOR.join(str(item) for item in value)
    else:
        text = str(value)
    return text


def _csv_text(value: str | int | float | bool | None) -> str:
    """A typed cell as CSV text: ``true``/``false`` as in the JSONL, ``""`` for null, and
    text neutralised against formula injection (a spreadsheet opening the CSV decides
    what a cell is)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value) if isinstance(value, str) else str(value)


def _json_default(value: Any) -> Any:
    """JSON for the few non-JSON types a query layer might hand us."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot export a {type(value).__name__} value as JSON")


class _TextOut:
    """A UTF-8 text view of a binary stream that leaves the stream open.

    ``io.TextIOWrapper`` closes its buffer when garbage-collected; detaching on
    exit hands the caller's stream back untouched (a download buffer is still
    readable afterwards).
    """

    def __init__(self, out: BinaryIO, encoding: str = "utf-8") -> None:
        self._wrapper = io.TextIOWrapper(out, encoding=encoding, newline="",
                                         write_through=False)

    def __enter__(self) -> io.TextIOWrapper:
        return self._wrapper

    def __exit__(self, *exc: object) -> None:
        self._wrapper.flush()
        self._wrapper.detach()


# --------------------------------------------------------------------------- jsonl


def write_jsonl(records: Iterable[Mapping[str, Any]], out: BinaryIO, info: ExportInfo) -> None:
    """One JSON object a line: the record as given (CONTRACT.md's keys), plus
    ``evidence_line``."""
    for record in _counted(records, info):
        row = {key: value for key, value in record.items() if key not in NOT_EXPORTED_KEYS}
        row["evidence_line"] = evidence_line(record)
        line = json.dumps(row, ensure_ascii=False, default=_json_default)
        out.write(line.encode("utf-8") + b"\n")


# --------------------------------------------------------------------------- csv


def write_csv(records: Iterable[Mapping[str, Any]], out: BinaryIO, info: ExportInfo) -> None:
    """:data:`COLUMNS` as CSV, UTF-8 with a byte-order mark so Excel reads Unicode."""
    with _TextOut(out, encoding="utf-8-sig") as text:
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        for record in _counted(records, info):
            writer.writerow([_csv_text(_cell_value(column, record)) for column in COLUMNS])


# --------------------------------------------------------------------------- xlsx


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A cell for openpyxl: text is cleaned and typed as a string.

    openpyxl turns any string starting with ``=`` into a formula; a cell typed as a
    string is stored as text, which Excel shows and never runs. So, unlike CSV (where
    the reader decides), XLSX needs no apostrophe, which would only change the text
    ("'=HYPERLINK(..." in a title). Control characters XML cannot hold are dropped and
    overlong text is truncated with a mark, both of which Excel would otherwise reject.
    """
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(text) > XLSX_MAX_CELL_CHARS:
        text = text[: XLSX_MAX_CELL_CHARS - len(_TRUNCATION_MARK)] + _TRUNCATION_MARK
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _append(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    sheet.append([_xlsx_cell(sheet, value) for value in values])


@dataclass(slots=True)
class _Summary:
    """Running totals for the XLSX summary sheets, O(codes) memory."""

    # studies, participants, with n, retracted
    by_design: dict[str, list[int]] = field(default_factory=dict)
    # studies, best level, retracted
    pairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    retracted: int = 0

    def add(self, record: Mapping[str, Any]) -> None:
        # Every exported study counts, retracted ones too, as in the dashboard's summary
        # tables and evidence map: the export's filter (--exclude-retracted) decides,
        # and the retracted column says how many of a design's studies are.
        design = record.get("design") or "other"
        totals = self.by_design.setdefault(design, [0, 0, 0, 0])
        totals[0] += 1
        if record.get("sample_size") is not None:
            totals[1] += int(record["sample_size"])
            totals[2] += 1
        if record.get("retracted"):
            totals[3] += 1
            self.retracted += 1
        level = record.get("evidence_level") or EVIDENCE_LEVELS.get(design, 5)
        for intervention in record.get("interventions") or []:
            for outcome in record.get("outcomes") or []:
                pair = self.pairs.setdefault((intervention, outcome), [0, level, 0])
                pair[0] += 1
                pair[1] = min(pair[1], level)
                pair[2] += bool(record.get("retracted"))


def _code_order(order: Iterable[str]) -> Callable[[str], tuple[int, str]]:
    """Sort key: TAGS.md order first, unknown codes after, alphabetically."""
    position = {code: index for index, code in enumerate(order)}
    return lambda code: (position.get(code, len(position)), code)


def _filters_rows(filters: Mapping[str, Any] | str) -> list[tuple[str, str]]:
    if isinstance(filters, str):
        return [("Filters", filters or "none (every stored study)")]
    rows = []
    for key, value in filters.items():
        if value in (None, "", [], (), False):
            continue
        shown = (LIST_SEPARATOR.join(str(item) for item in value)
                 if isinstance(value, list | tuple | set | frozenset) else str(value))
        rows.append((f"Filter: {key}", shown))
    return rows or [("Filters", "none (every stored study)")]


def write_xlsx(records: Iterable[Mapping[str, Any]], out: BinaryIO, info: ExportInfo) -> None:
    """A workbook: Studies, By design, Intervention x outcome, About."""
    workbook = Workbook(write_only=True)
    studies = workbook.create_sheet("Studies")
    by_design = workbook.create_sheet("By design")
    pairs = workbook.create_sheet("Intervention x outcome")
    about = workbook.create_sheet("About")
    studies.freeze_panes = "A2"

    summary = _Summary()
    _append(studies, COLUMNS)
    for record in _counted(records, info):
        _append(studies, (_cell_value(column, record) for column in COLUMNS))
        summary.add(record)

    _append(by_design, ("Design", "Design code", "Evidence level", "Studies",
                        "Participants (sum of reported n)", "Studies reporting n",
                        "Retracted (of the studies)"))
    for design in sorted(summary.by_design, key=_code_order(DESIGN_LABELS)):
        studies_n, participants, with_n, retracted = summary.by_design[design]
        _append(by_design, (label(design), design, EVIDENCE_LEVELS.get(design), studies_n,
                            participants, with_n, retracted))

    # New columns go last: a reader of the sheet by position keeps its columns.
    _append(pairs, ("Intervention", "Outcome", "Studies", "Best evidence level",
                    "Intervention code", "Outcome code", "Retracted (of the studies)"))
    intervention_key = _code_order(INTERVENTION_LABELS)
    outcome_key = _code_order(OUTCOME_LABELS)
    for intervention, outcome in sorted(
            summary.pairs, key=lambda pair: (intervention_key(pair[0]), outcome_key(pair[1]))):
        count, best, retracted = summary.pairs[(intervention, outcome)]
        _append(pairs, (label(intervention), label(outcome), count, best, intervention,
                        outcome, retracted))

    _append(about, ("Field", "Value"))
    about_rows: list[tuple[str, Any]] = [
        ("Source", SOURCE),
        ("Generated at", info.generated_at.isoformat(timespec="seconds")),
        ("Tagger version", info.tagger_version or "unknown"),
        ("Studies", info.count),
        ("Retracted studies (counted in the summaries, as on the dashboard)",
         summary.retracted),
        *_filters_rows(info.filters),
        ("Formula safety", "Every cell holds text or a number, never a formula, so text "
                           "starting with = + - @ shows as written. Retyping such a cell "
                           "makes it a formula; the CSV export prefixes these with '."),
    ]
    for row in about_rows:
        _append(about, row)
    workbook.save(out)


# --------------------------------------------------------------------------- bibtex

# Words skipped when choosing a BibTeX key's title word.
BIBTEX_KEY_STOPWORDS: Final = frozenset({
    "a", "an", "the", "on", "of", "in", "for", "and", "or", "to", "with", "by", "at",
    "from", "as", "is", "are", "was", "were", "be", "vs", "versus", "into", "its",
    "does", "do", "can", "how", "what", "why", "which", "retracted",
})

_BIBTEX_SPECIALS: Final = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
    "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIALS_RE: Final = re.compile("|".join(re.escape(char) for char in _BIBTEX_SPECIALS))
_HYPHEN_RUN_RE: Final = re.compile(r"-(?=-)")
_KEY_WORD_RE: Final = re.compile(r"[a-z0-9]+")


def bibtex_escape(text: str) -> str:
    """Escape LaTeX's special characters; other Unicode stays as is (UTF-8 .bib).

    ``%`` would start a LaTeX comment and ``&``, ``_`` break typesetting, and
    abstracts routinely contain "25%"; ``--`` would print as a dash. The file is UTF-8 for biber or
    XeLaTeX/LuaLaTeX, so letters like "ü" and "≥" are not encoded.
    """
    escaped = _BIBTEX_SPECIALS_RE.sub(lambda match: _BIBTEX_SPECIALS[match.group()], text)
    # "--" is an en dash to TeX; "-{}-" keeps a literal double hyphen.
    return _HYPHEN_RUN_RE.sub("-{}", escaped)


def _protect_capitals(title: str) -> str:
    """Brace each word with a capital BibTeX styles must not lower-case.

    Styles like ``plain`` lower-case titles except the first letter, which
    would turn "PRP" into "prp". A word is protected when it has a capital
    anywhere other than the title's very first letter.
    """
    words = title.split(" ")
    protected = []
    for index, word in enumerate(words):
        checked = word[1:] if index == 0 else word
        protected.append(f"{{{word}}}" if any(char.isupper() for char in checked) else word)
    return " ".join(protected)


def _key_part(text: str) -> str:
    return "".join(_KEY_WORD_RE.findall(ascii_fold(text).lower()))


def _bibtex_key_base(record: Mapping[str, Any]) -> str:
    """``surname + year + first significant title word``, ASCII only."""
    surname = "anon"
    authors = record.get("authors") or []
    if authors:
        first = parse_author(authors[0])
        if first.literal is not None:
            words = [_key_part(word) for word in first.literal.split()]
            surname = next((word for word in words
                            if word and word not in BIBTEX_KEY_STOPWORDS), surname)
        else:
            surname = _key_part(first.family or "") or surname
    year = str(record["year"]) if record.get("year") else "nd"
    title_words = _KEY_WORD_RE.findall(ascii_fold(record.get("title") or "").lower())
    word = next((word for word in title_words
                 if word not in BIBTEX_KEY_STOPWORDS and not word.isdigit()), "")
    return f"{surname}{year}{word}"


def _suffixes() -> Iterator[str]:
    """``a, b, ..., z, aa, ab, ...``: collision suffixes, in a fixed order."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    size = 1
    while True:
        for number in range(len(letters) ** size):
            suffix = ""
            for _ in range(size):
                number, digit = divmod(number, len(letters))
                suffix = letters[digit] + suffix
            yield suffix
        size += 1


class BibtexKeys:
    """Stable, unique BibTeX keys such as ``dhurat2013randomized``.

    The first study with a given base key gets it bare; later ones get
    ``a``, ``b``, ... in input order. Keys therefore depend only on the records
    and their order, which the query layer fixes, not on time or hashing.
    """

    def __init__(self) -> None:
        self._used: set[str] = set()

    def key(self, record: Mapping[str, Any]) -> str:
        base = _bibtex_key_base(record)
        candidate = base
        if candidate in self._used:
            candidate = next(base + suffix for suffix in _suffixes()
                             if base + suffix not in self._used)
        self._used.add(candidate)
        return candidate


def _keywords(record: Mapping[str, Any]) -> list[str]:
    """Author keywords then MeSH terms, first spelling kept, case-insensitive dedupe."""
    seen: set[str] = set()
    terms = []
    for term in [*(record.get("keywords") or []), *(record.get("mesh_terms") or [])]:
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    return terms


def _bibtex_author(name: str) -> str:
    parsed = parse_author(name)
    if parsed.literal is not None:
        return "{" + bibtex_escape(parsed.literal) + "}"  # braces: not "Surname, Given"
    family = bibtex_escape(parsed.family or "")
    if parsed.suffix:  # BibTeX's "von Last, Jr, First"
        family = f"{family}, {bibtex_escape(parsed.suffix)}"
    return f"{family}, {parsed.given}" if parsed.given else family


def bibtex_entry(record: Mapping[str, Any], key: str) -> str:
    """One ``@article`` entry; fields with no value are left out."""
    pages = expand_page_range(record.get("pages"))
    keywords = _keywords(record)
    fields: list[tuple[str, str | None]] = [
        ("author", " and ".join(_bibtex_author(name) for name in record.get("authors") or [])),
        ("title", _protect_capitals(bibtex_escape(citation_title(record)))),
        ("journal", bibtex_escape(journal_name(record["journal"]) or "")
         if record.get("journal") else None),
        ("year", str(record["year"]) if record.get("year") else None),
        ("volume", bibtex_escape(record["volume"]) if record.get("volume") else None),
        ("number", bibtex_escape(record["issue"]) if record.get("issue") else None),
        ("pages", bibtex_escape(pages).replace("-", "--") if pages else None),
        # doi and url are verbatim fields in biblatex: escaping would corrupt them.
        ("doi", record.get("doi")),
        ("pmid", str(record["pmid"])),
        ("pmcid", record.get("pmcid")),
        ("url", PUBMED_URL.format(pmid=record["pmid"])),
        ("abstract", bibtex_escape(record["abstract"]) if record.get("abstract") else None),
        # The field is a comma-separated list: a MeSH term's own comma ("Aged, 80 and
        # over", "Diagnosis, Differential") would split it in two when imported.
        ("keywords", ", ".join(bibtex_escape(" ".join(term.replace(",", " ").split()))
                               for term in keywords) if keywords else None),
        ("note", bibtex_escape(evidence_line(record))),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@article{{{key},\n{body}\n}}\n"


def write_bibtex(records: Iterable[Mapping[str, Any]], out: BinaryIO, info: ExportInfo) -> None:
    """BibTeX ``@article`` entries, UTF-8, one blank line between entries."""
    keys = BibtexKeys()
    for index, record in enumerate(_counted(records, info)):
        entry = bibtex_entry(record, keys.key(record))
        out.write((("\n" if index else "") + entry).encode("utf-8"))


# --------------------------------------------------------------------------- ris


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its ``1.`` counter line before each reference.

    The counter is not part of RIS and some importers show it as junk; plain
    ``TY`` starts are what PubMed-era tools write.
    """

    def set_header(self, count: int) -> str:
        return ""


# A continuation line that looks like a tag would start a new field.
_RIS_TAG_LINE_RE: Final = re.compile(r"^[A-Z][A-Z0-9]  - ")


def _ris_text(text: str) -> str:
    """Multi-line text for RIS; continuation lines that look like tags are indented."""
    return "\n".join(" " + line if _RIS_TAG_LINE_RE.match(line) else line
                     for line in text.splitlines())


def ris_reference(record: Mapping[str, Any]) -> dict[str, Any]:
    """One record as a rispy reference dict (rispy's field names)."""
    reference: dict[str, Any] = {"type_of_reference": "JOUR"}
    authors = []
    for name in record.get("authors") or []:
        parsed = parse_author(name)
        if parsed.literal is not None:
            authors.append(parsed.literal)
        else:  # RIS: "Last, First, Suffix"
            authors.append(", ".join(part for part in (parsed.family, parsed.given,
                                                       parsed.suffix) if part))
    if authors:
        reference["authors"] = authors
    reference["title"] = citation_title(record)
    if record.get("journal"):
        journal = journal_name(record["journal"])
        reference["secondary_title"] = journal  # T2, as Zotero and EndNote write
        reference["alternate_title3"] = journal  # JF: full journal name
    if record.get("journal_abbrev"):
        reference["alternate_title1"] = record["journal_abbrev"]  # J2
    if record.get("volume"):
        reference["volume"] = record["volume"]
    if record.get("issue"):
        reference["number"] = record["issue"]
    pages = expand_page_range(record.get("pages"))
    if pages:  # SP/EP from the first range of "1790-1791; discussion 1791"
        start, _, end = pages.split("; ", 1)[0].partition("-")
        reference["start_page"] = start if end else pages
        if end:
            reference["end_page"] = end
    if record.get("year"):
        reference["year"] = str(record["year"])
    parts = date_parts(record)
    if parts:
        reference["date"] = "/".join(f"{part:02d}" for part in parts)  # RIS: YYYY/MM/DD
    if record.get("doi"):
        reference["doi"] = record["doi"]
    reference["accession_number"] = str(record["pmid"])
    reference["id"] = str(record["pmid"])
    reference["name_of_database"] = SOURCE
    if record.get("pmcid"):
        reference["custom2"] = record["pmcid"]  # C2: PMCID, EndNote's convention
    if record.get("abstract"):
        reference["abstract"] = _ris_text(record["abstract"])
    keywords = _keywords(record)
    if keywords:
        reference["keywords"] = keywords
    if record.get("language"):
        reference["language"] = record["language"][0]
    reference["notes"] = [evidence_line(record)]
    reference["urls"] = [PUBMED_URL.format(pmid=record["pmid"])]
    return reference


def write_ris(records: Iterable[Mapping[str, Any]], out: BinaryIO, info: ExportInfo) -> None:
    """RIS through rispy, one reference at a time (rispy itself takes a list)."""
    writer = _RisWriter()
    for record in _counted(records, info):
        out.write(writer.formats([ris_reference(record)]).encode("utf-8"))


# --------------------------------------------------------------------------- csl-json


def write_csl_json(records: Iterable[Mapping[str, Any]], out: BinaryIO,
                   info: ExportInfo) -> None:
    """A JSON array of CSL-JSON items, written item by item."""
    out.write(b"[")
    for index, record in enumerate(_counted(records, info)):
        item = json.dumps(to_csl_json(record), ensure_ascii=False)
        out.write(((",\n" if index else "\n") + item).encode("utf-8"))
    out.write(b"\n]\n" if info.count else b"]\n")


# --------------------------------------------------------------------------- registry

FORMATS: Final[dict[str, ExportFormat]] = {
    "jsonl": ExportFormat("jsonl", "jsonl", "application/x-ndjson", False, write_jsonl),
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8", False, write_csv),
    "xlsx": ExportFormat(
        "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        True, write_xlsx),
    "bibtex": ExportFormat("bibtex", "bib", "application/x-bibtex; charset=utf-8", False,
                           write_bibtex),
    "ris": ExportFormat("ris", "ris", "application/x-research-info-systems", False, write_ris),
    "csl-json": ExportFormat("csl-json", "json", "application/vnd.citationstyles.csl+json",
                             False, write_csl_json),
}


def get_format(fmt: str | ExportFormat) -> ExportFormat:
    """The :class:`ExportFormat` for a name (or the format itself)."""
    if isinstance(fmt, ExportFormat):
        return fmt
    try:
        return FORMATS[fmt]
    except KeyError:
        raise UnknownFormatError(
            f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}") from None


def export(records: Iterable[Mapping[str, Any]], fmt: str | ExportFormat, out: BinaryIO,
           info: ExportInfo | None = None) -> ExportInfo:
    """Write ``records`` to ``out`` in ``fmt``; returns the info with ``count`` set."""
    info = info if info is not None else ExportInfo()
    get_format(fmt).write(records, out, info)
    return info


def export_bytes(records: Iterable[Mapping[str, Any]], fmt: str | ExportFormat,
                 info: ExportInfo | None = None) -> bytes:
    """The whole export as bytes, for a download button."""
    buffer = io.BytesIO()
    export(records, fmt, buffer, info)
    return buffer.getvalue()
