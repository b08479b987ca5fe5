"""MEDLINE text format (PubMed's "Save citation", ``.nbib``) to records.

The format is tagged lines (``TAG - value``, tags left-aligned in four
columns) with six-space continuation lines and a blank line between records.
Structured abstracts arrive as one ``AB`` paragraph with ``LABEL:`` headings,
which we split back into sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from evidence.errors import InputFileError
from evidence.records import (
    AbstractSection,
    Article,
    Author,
    InvalidRecord,
    MeshHeading,
    ParsedItem,
)
from ingest.pubmed_xml import MEDLINE_DATE, RETRACTED_TYPE, TRIAL_ID, iso_date, require_pmid

_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*- ?(.*)$")
_CONTINUATION = "      "
# "METHODS: ", "PATIENT(S): ", "COMPARISON WITH EXISTING METHOD(S): ".
_HEADING = re.compile(r"(?:^|(?<=[.!?]\s))([A-Z][A-Z &/,()-]{2,40}):\s")
_ID_KIND = re.compile(r"^(.*?)\s*\[(\w+)\]\s*$")


def looks_like_medline(path: Path) -> bool:
    """True when the file starts like MEDLINE text (``PMID- ``), whatever its name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip(b"\xef\xbb\xbf \r\n\t")
    except OSError:
        return False
    return head.startswith(b"PMID-")


def _fields(lines: list[str]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith(_CONTINUATION) and fields:
            tag, value = fields[-1]
            fields[-1] = (tag, f"{value} {line.strip()}")
            continue
        match = _LINE.match(line)
        if match:
            fields.append((match.group(1), match.group(2).strip()))
    return fields


def _sections(abstract: str) -> list[AbstractSection]:
    if not abstract:
        return []
    headings = list(_HEADING.finditer(abstract))
    if not headings or headings[0].start() != 0:
        return [AbstractSection(text=abstract)]
    sections = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(abstract)
        text = abstract[heading.end():end].strip()
        if text:
            sections.append(AbstractSection(text=text, label=heading.group(1).strip()))
    return sections


def _date_revised(value: str | None) -> str | None:
    if value and len(value) >= 8 and value[:8].isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    return None


# A generational suffix after a name: MEDLINE writes "FAU - English, Robert S Jr" and
# "AU - English RS Jr"; PubMed XML keeps it apart (<Suffix>). Left in, it became an
# initial ("English RSJ"). In AU a roman numeral could be initials ("Smith IV"), so
# only the unambiguous suffixes are read there.
_FORE_NAME_SUFFIX = re.compile(r"\s+(Jr|Sr|2nd|3rd|4th|II|III|IV)\.?$")
_AU_SUFFIX = re.compile(r"\s+(Jr|Sr|2nd|3rd|4th)\.?$")


def _without_suffix(name: str, pattern: re.Pattern[str]) -> tuple[str, str | None]:
    """``"Robert S Jr"`` -> ``("Robert S", "Jr")``; a name without one comes back whole."""
    match = pattern.search(name)
    return (name[:match.start()], match.group(1)) if match else (name, None)


def record_from_fields(fields: list[tuple[str, str]]) -> Article:
    values: dict[str, list[str]] = {}
    authors: list[Author] = []
    awaiting_au = False  # the last author came from FAU, and its AU line may follow
    for tag, value in fields:
        values.setdefault(tag, []).append(value)
        if tag == "FAU":
            last, _, fore = value.partition(", ")
            fore, suffix = _without_suffix(fore, _FORE_NAME_SUFFIX)
            initials = "".join(part[0] for part in re.split(r"[\s-]+", fore) if part)
            authors.append(Author(last_name=last, fore_name=fore or None,
                                  initials=initials or None, suffix=suffix))
            awaiting_au = True
        elif tag == "AU" and awaiting_au:
            # PubMed's own initials ("Kozai TD" for "Kozai, Takashi D Y"), as the XML's
            # <Initials> has them: rebuilt from the fore name they would be "TDY".
            au_name, au_suffix = _without_suffix(value, _AU_SUFFIX)
            au_last, _, au_initials = au_name.rpartition(" ")
            if au_last == authors[-1].last_name and au_initials:
                authors[-1] = replace(authors[-1], initials=au_initials,
                                      suffix=au_suffix or authors[-1].suffix)
            awaiting_au = False
        elif tag == "CN":
            authors.append(Author(collective_name=value))
            awaiting_au = False
        elif tag == "AD" and authors:
            authors[-1] = replace(authors[-1],
                                  affiliations=(*authors[-1].affiliations, value))

    def first(tag: str) -> str | None:
        found = values.get(tag)
        return found[0] if found else None

    pmid = (first("PMID") or "").strip()
    require_pmid(pmid)
    if not authors:  # files without FAU carry AU ("Surname AB") only
        for value in values.get("AU", []):
            name, suffix = _without_suffix(value, _AU_SUFFIX)
            last, _, initials = name.rpartition(" ")
            authors.append(Author(last_name=last or name, initials=initials or None,
                                  suffix=suffix))

    ids: dict[str, str] = {}
    for value in values.get("AID", []) + values.get("LID", []):
        match = _ID_KIND.match(value)
        if match:
            ids.setdefault(match.group(2), match.group(1))
    date_match = MEDLINE_DATE.match(first("DP") or "")
    year = int(date_match["year"]) if date_match else None
    pub_date = (iso_date(date_match["year"], date_match["month"], date_match["day"])
                if date_match else None)
    mesh = []
    for value in values.get("MH", []):
        descriptor, *qualifiers = value.split("/")
        mesh.append(MeshHeading(
            descriptor=descriptor.lstrip("*"), major_topic=descriptor.startswith("*"),
            qualifiers=tuple(q.lstrip("*") for q in qualifiers),
            major_qualifiers=tuple(q.lstrip("*") for q in qualifiers if q.startswith("*"))))
    publication_types = values.get("PT", [])
    abstract = first("AB") or ""
    trial_ids = [value.split("/", 1)[1] for value in values.get("SI", [])
                 if "/" in value and TRIAL_ID.fullmatch(value.split("/", 1)[1])]
    sources = dict.fromkeys(trial_ids, "databank")
    for registry_id in TRIAL_ID.findall(abstract):
        sources.setdefault(registry_id, "abstract")
    return Article(
        pmid=pmid,
        title=first("TI") or first("BTI") or first("TT") or "",
        vernacular_title=first("TT") if first("TI") or first("BTI") else None,
        abstract=_sections(abstract),
        doi=ids.get("doi"),
        pmcid=first("PMC") or ids.get("pmc"),
        journal=first("JT"),
        journal_abbrev=first("TA"),
        volume=first("VI"),
        issue=first("IP"),
        pages=first("PG"),
        year=year,
        pub_date=pub_date,
        languages=values.get("LA", []),
        publication_status=first("PST"),
        date_revised=_date_revised(first("LR")),
        authors=authors,
        publication_types=publication_types,
        mesh=mesh,
        keywords=values.get("OT", []),
        trial_ids=list(sources),
        trial_id_sources=sources,
        retracted=RETRACTED_TYPE in publication_types or bool(values.get("RIN")),
    )


def iter_file(path: str | Path) -> Iterator[ParsedItem]:
    """Records of a MEDLINE text file, one at a time."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise InputFileError(str(path), exc.strerror or str(exc)) from exc
    with handle:
        lines: list[str] = []
        start_line = 1
        try:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip("\r\n")
                if line.strip():
                    if not lines:
                        start_line = number
                    lines.append(line)
                    continue
                if lines:
                    yield _record(lines, path, start_line)
                    lines = []
            if lines:
                yield _record(lines, path, start_line)
        except UnicodeDecodeError as exc:
            raise InputFileError(str(path), f"not UTF-8 text ({exc.reason})") from exc


def _record(lines: list[str], path: Path, line: int) -> ParsedItem:
    fields = _fields(lines)
    if not fields:
        return InvalidRecord(None, f"{path}, line {line}: not a MEDLINE record")
    try:
        return record_from_fields(fields)
    except ValueError as exc:
        return InvalidRecord(None, f"{path}, line {line}: {exc}")
