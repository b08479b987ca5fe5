"""PubMed XML to :mod:`evidence.records` values: bytes in, records out, no network.

One streaming pass with lxml ``iterparse`` over efetch output, annual baseline
and daily update files (``PubmedArticleSet``) and the older
``MedlineCitationSet``, plain or gzip-compressed. Each record's element is
cleared as soon as it is read, so memory stays flat however large the file.
The parser never loads a DTD, never expands entities and never touches the
network.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from evidence.errors import InputFileError
from evidence.records import (
    AbstractSection,
    Article,
    Author,
    DeletedCitations,
    InvalidRecord,
    MeshHeading,
    ParsedItem,
    SkippedRecord,
)

ARTICLE_SET_ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet"}
CITATION_SET_ROOT = "MedlineCitationSet"  # MEDLINE files before 2017
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_CHUNK = 4096

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    start=1)}
# A season names no month; for sorting only we place it where it begins.
_SEASON_MONTH = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
MEDLINE_DATE = re.compile(r"(?P<year>\d{4})(?:\s+(?P<month>[A-Za-z]{3})[a-z]*)?"
                           r"(?:\s+(?P<day>\d{1,2})\b)?")

# Trial registry identifiers as registries write them; NCT is ClinicalTrials.gov.
TRIAL_ID = re.compile(
    r"\b(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|ChiCTR[-\w]*\d{6,}|DRKS\d{8}|IRCT\d+N\d+"
    r"|CTRI/\d{4}/\d{2,3}/\d{6}|EUCTR\d{4}-\d{6}-\d{2}|jRCT[sw]?\d{6,})\b")
_TRIAL_PREFIXES = ("NCT", "ISRCTN", "ACTRN", "ChiCTR", "DRKS", "IRCT", "CTRI/", "EUCTR", "jRCT")
RETRACTED_TYPE = "Retracted Publication"
# DataBankList also names sequence databases (GENBANK, PDB); only these are trial registries.
TRIAL_REGISTRIES = frozenset({
    "ClinicalTrials.gov", "ISRCTN", "ANZCTR", "ChiCTR", "CTRI", "DRKS", "EudraCT", "JPRN",
    "IRCT", "PACTR", "ReBec", "RPCEC", "SLCTR", "TCTR", "NTR", "CRiS", "EU-CTR",
})

# Decompression and parse errors that mean "this file is damaged".
DAMAGE = (EOFError, gzip.BadGzipFile, zlib.error)


def _text(element: etree._Element | None) -> str:
    """All text inside ``element``, inline markup (<i>, <sup>, MathML) kept as text.

    Runs of white space (pretty-printed files) fold to one space. Leaf
    elements, the vast majority, skip the tree walk: this is the hot path.
    """
    if element is None:
        return ""
    text = "".join(element.itertext()) if len(element) else (element.text or "")
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text.strip()


def open_binary(path: Path) -> IO[bytes]:
    handle = path.open("rb")
    if handle.read(2) == _GZIP_MAGIC:
        handle.close()
        return gzip.open(path, "rb")
    handle.seek(0)
    return handle


class _Unreadable(str):
    """Why the document element could not be read (an XML or decoding fault)."""


def _root_tag(stream: IO[bytes]) -> str | None:
    """The name of the document element, read from the first bytes only.

    Returns an :class:`_Unreadable` reason instead when the first bytes are
    not well-formed XML, so the error can say what is wrong (an encoding
    fault reads very differently from "not PubMed").
    """
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True,
                                 load_dtd=False)
    try:
        while chunk := stream.read(_SNIFF_CHUNK):
            parser.feed(chunk)
            for _event, element in parser.read_events():
                return etree.QName(element).localname
    except etree.XMLSyntaxError as exc:
        return _Unreadable(exc.msg)
    except DAMAGE:
        return None
    return None


def iso_date(year: str | None, month: str | None, day: str | None) -> str | None:
    if not year or not year.isdigit():
        return None
    parts = [year]
    month_number = _month_number(month)
    if month_number:
        parts.append(f"{month_number:02d}")
        if day and day.isdigit() and 1 <= int(day) <= 31:
            parts.append(f"{int(day):02d}")
    return "-".join(parts)


def _month_number(month: str | None) -> int | None:
    if not month:
        return None
    month = month.strip()
    if month.isdigit():
        number = int(month)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(month[:3].lower())


def _pub_date(pub_date: etree._Element | None) -> tuple[int | None, str | None]:
    """Year and ISO date from ``PubDate``: Year/Month/Day, Season, or MedlineDate."""
    if pub_date is None:
        return None, None
    year = pub_date.findtext("Year")
    if year:
        iso = iso_date(year.strip(), pub_date.findtext("Month"), pub_date.findtext("Day"))
        return (int(year) if year.strip().isdigit() else None), iso
    medline_date = (pub_date.findtext("MedlineDate") or "").strip()
    match = MEDLINE_DATE.match(medline_date)
    if match:
        return int(match["year"]), iso_date(match["year"], match["month"], match["day"])
    loose = _YEAR.search(medline_date)
    if loose:
        return int(loose.group(1)), loose.group(1)
    return None, None


def sort_date(iso: str | None, season: str | None = None) -> str | None:
    """The first day of the publication period, for ordering by date."""
    if not iso:
        return None
    parts = iso.split("-")
    month = parts[1] if len(parts) > 1 else f"{_SEASON_MONTH.get((season or '').lower(), 1):02d}"
    day = parts[2] if len(parts) > 2 else "01"
    return f"{parts[0]}-{month}-{day}"


def _author(author: etree._Element) -> Author | None:
    """One ``Author``, reading its children in a single pass."""
    last = fore = initials = collective = None
    affiliations: list[str] = []
    for child in author:
        tag = child.tag
        if tag == "LastName":
            last = _text(child)
        elif tag == "ForeName":
            fore = _text(child) or None
        elif tag == "Initials":
            initials = _text(child) or None
        elif tag == "AffiliationInfo":
            affiliation = child.find("Affiliation")
            if affiliation is not None:
                affiliations.append(_text(affiliation))
        elif tag == "Affiliation":  # MEDLINE files before 2015
            affiliations.append(_text(child))
        elif tag == "CollectiveName":
            collective = _text(child)
    if collective:
        return Author(collective_name=collective, affiliations=tuple(affiliations))
    if not last:
        return None
    return Author(last_name=last, fore_name=fore, initials=initials,
                  affiliations=tuple(affiliations))


def _authors(author_list: etree._Element | None) -> list[Author]:
    if author_list is None:
        return []
    authors = []
    for node in author_list:
        if node.tag == "Author" and node.get("ValidYN") != "N":
            author = _author(node)
            if author is not None:
                authors.append(author)
    return authors


def _mesh(heading_list: etree._Element) -> list[MeshHeading]:
    headings = []
    for heading in heading_list:
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        qualifiers = heading.findall("QualifierName")
        headings.append(MeshHeading(
            descriptor=_text(descriptor),
            descriptor_ui=descriptor.get("UI"),
            major_topic=descriptor.get("MajorTopicYN") == "Y",
            qualifiers=tuple(_text(q) for q in qualifiers),
            major_qualifiers=tuple(_text(q) for q in qualifiers if q.get("MajorTopicYN") == "Y"),
        ))
    return headings


def _pages(pagination: etree._Element) -> str | None:
    medline_pages = _text(pagination.find("MedlinePgn"))
    if medline_pages:
        return medline_pages
    start = _text(pagination.find("StartPage"))
    end = _text(pagination.find("EndPage"))
    if start:
        return f"{start}-{end}" if end and end != start else start
    return None


def _trial_ids(article: etree._Element, abstract: str) -> list[tuple[str, str]]:
    """Registry ids with where each was found: ``databank`` or ``abstract``."""
    found = [
        ((accession.text or "").strip(), "databank")
        for bank in article.iterfind("DataBankList/DataBank")
        if (bank.findtext("DataBankName") or "").strip() in TRIAL_REGISTRIES
        for accession in bank.iterfind("AccessionNumberList/AccessionNumber")
        if (accession.text or "").strip()
    ]
    if not any(prefix in abstract for prefix in _TRIAL_PREFIXES):
        return found
    known = {registry_id for registry_id, _ in found}
    found.extend((registry_id, "abstract") for registry_id in dict.fromkeys(
        TRIAL_ID.findall(abstract)) if registry_id not in known)
    return found


def _article_ids(pubmed_data: etree._Element) -> dict[str, str]:
    """The article's own ids, from PubmedData/ArticleIdList (never the ReferenceList)."""
    ids: dict[str, str] = {}
    for article_id in pubmed_data.iterfind("ArticleIdList/ArticleId"):
        kind, value = article_id.get("IdType"), (article_id.text or "").strip()
        if kind and value:
            ids.setdefault(kind, value)
    return ids


def _journal(journal: etree._Element) -> dict[str, object]:
    """Title, abbreviation, volume, issue and publication date of ``Journal``."""
    found: dict[str, object] = {}
    for child in journal:
        tag = child.tag
        if tag == "Title":
            found["journal"] = _text(child) or None
        elif tag == "ISOAbbreviation":
            found["journal_abbrev"] = _text(child) or None
        elif tag == "JournalIssue":
            for part in child:
                if part.tag == "Volume":
                    found["volume"] = _text(part) or None
                elif part.tag == "Issue":
                    found["issue"] = _text(part) or None
                elif part.tag == "PubDate":
                    found["year"], found["pub_date"] = _pub_date(part)
    return found


def _date_of(element: etree._Element) -> str | None:
    return iso_date(element.findtext("Year"), element.findtext("Month"), element.findtext("Day"))


def parse_citation(citation: etree._Element, record: etree._Element | None = None) -> Article:
    """One ``MedlineCitation`` (and its ``PubmedArticle`` wrapper when there is one).

    Children are read in one pass each rather than by repeated path lookups:
    this function runs once per record of a 30,000-record file.
    """
    pmid = ""
    article = None
    date_revised = pmcid = None
    mesh: list[MeshHeading] = []
    keywords: list[str] = []
    retracted_in = False
    for child in citation:
        tag = child.tag
        if tag == "PMID":
            pmid = (child.text or "").strip()
        elif tag == "Article":
            article = child
        elif tag == "DateRevised":
            date_revised = _date_of(child)
        elif tag == "MeshHeadingList":
            mesh = _mesh(child)
        elif tag == "KeywordList":
            keywords.extend(text for text in map(_text, child) if text)
        elif tag == "CommentsCorrectionsList":
            retracted_in = any(comment.get("RefType") == "RetractionIn" for comment in child)
        elif tag == "OtherID" and pmcid is None:
            value = (child.text or "").strip()
            if value.startswith("PMC"):
                pmcid = value.split()[0]
    if not pmid.isdigit():
        raise ValueError(f"record without a numeric PMID ({pmid!r})")
    if article is None:
        raise ValueError("MedlineCitation without an Article element")

    result = Article(pmid=pmid, title="", date_revised=date_revised, mesh=mesh,
                     keywords=keywords)
    vernacular_title = ""
    article_date = None
    elocation_doi = None
    for child in article:
        tag = child.tag
        if tag == "ArticleTitle":
            result.title = _text(child)
        elif tag == "Journal":
            for name, value in _journal(child).items():
                setattr(result, name, value)
        elif tag == "Abstract":
            result.abstract = [
                AbstractSection(text=text, label=node.get("Label") or None,
                                category=node.get("NlmCategory") or None)
                for node in child if node.tag == "AbstractText" and (text := _text(node))]
        elif tag == "AuthorList":
            result.authors = _authors(child)
        elif tag == "Language":
            language = _text(child)
            if language:
                result.languages.append(language)
        elif tag == "PublicationTypeList":
            result.publication_types = [_text(node) for node in child]
        elif tag == "Pagination":
            result.pages = _pages(child)
        elif tag == "ELocationID":
            if (elocation_doi is None and child.get("EIdType") == "doi"
                    and child.get("ValidYN") != "N"):
                elocation_doi = _text(child) or None
        elif tag == "ArticleDate":
            article_date = child
        elif tag == "VernacularTitle":
            vernacular_title = _text(child)
    result.title = result.title or vernacular_title
    if result.year is None and article_date is not None:
        year_text = article_date.findtext("Year")
        result.year = int(year_text) if year_text and year_text.isdigit() else None
        result.pub_date = _date_of(article_date)

    if record is not None:
        pubmed_data = record.find("PubmedData")
        if pubmed_data is not None:
            ids = _article_ids(pubmed_data)
            result.doi = ids.get("doi")
            pmcid = ids.get("pmc") or pmcid
            status = pubmed_data.find("PublicationStatus")
            result.publication_status = _text(status) or None if status is not None else None
    result.doi = result.doi or elocation_doi
    result.pmcid = pmcid
    result.retracted = retracted_in or RETRACTED_TYPE in result.publication_types
    trials = _trial_ids(article, result.abstract_text)
    result.trial_ids = [registry_id for registry_id, _ in trials]
    result.trial_id_sources = dict(trials)
    return result


def _release(element: etree._Element) -> None:
    """Free a finished record and the siblings before it: constant memory."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def iter_file(path: str | Path) -> Iterator[ParsedItem]:
    """Records from a PubMed XML file (``.xml`` or ``.xml.gz``), streamed.

    Raises :class:`InputFileError` naming the file, the line and the last
    good PMID when the file is not PubMed XML, is truncated or malformed.
    Items before the fault have already been yielded, so the caller can keep
    them.
    """
    path = Path(path)
    try:
        root = sniff_root(path)
        with open_binary(path) as stream:
            yield from _iter_stream(stream, str(path), root)
    except DAMAGE as exc:
        raise InputFileError(str(path), f"file is truncated or damaged: {exc}") from exc
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise InputFileError(str(path), f"damaged gzip data ({exc})") from exc
        raise InputFileError(str(path), exc.strerror or str(exc)) from exc


def sniff_root(path: Path) -> str | None:
    """The document element's name, from the first few kilobytes of the file."""
    with open_binary(path) as stream:
        return _root_tag(stream)


def iter_bytes(data: bytes, name: str = "<response>", *, root: str | None = None,
               line_offset: int = 0) -> Iterator[ParsedItem]:
    """Records from PubMed XML held in memory (an efetch answer, a chunk of a file).

    ``line_offset`` is added to reported line numbers when ``data`` is a chunk
    cut from a larger file.
    """
    if data[:2] == _GZIP_MAGIC:
        data = gzip.decompress(data)
    root = root or _root_tag(io.BytesIO(data))
    yield from _iter_stream(io.BytesIO(data), name, root, line_offset)


def _item(element: etree._Element, name: str, last_pmid: str | None,
          line_offset: int = 0) -> ParsedItem:
    """The record one finished element stands for; a bad record becomes InvalidRecord."""
    tag = element.tag
    if tag == "PubmedBookArticle":
        return SkippedRecord("book", (element.findtext("BookDocument/PMID") or None),
                             "books and book chapters are not stored")
    if tag == "DeleteCitation":
        return DeletedCitations(tuple(
            (node.text or "").strip() for node in element.iterfind("PMID")))
    try:
        if tag == "MedlineCitation":
            return parse_citation(element)
        citation = element.find("MedlineCitation")
        if citation is None:
            raise ValueError("PubmedArticle without MedlineCitation")
        return parse_citation(citation, element)
    except ValueError as exc:
        pmid = (element.findtext("PMID") or element.findtext("MedlineCitation/PMID")
                or "").strip() or None
        where = (f"line {element.sourceline + line_offset}" if element.sourceline
                 else "a record")
        after = f", after PMID {last_pmid}" if last_pmid and not pmid else ""
        return InvalidRecord(pmid, f"{name}, {where}{after}: {exc}")


def _iter_stream(stream: IO[bytes], name: str, root: str | None,
                 line_offset: int = 0) -> Iterator[ParsedItem]:
    if isinstance(root, _Unreadable):
        raise InputFileError(name, f"not readable as XML: {root}")
    if root is None:
        raise InputFileError(name, "not PubMed XML: no XML document element could be read")
    if root in ARTICLE_SET_ROOTS:
        tags = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
    elif root == CITATION_SET_ROOT:
        tags = ("MedlineCitation", "DeleteCitation")
    else:
        raise InputFileError(
            name, f"not PubMed XML: the document element is <{root}>, expected "
                  "<PubmedArticleSet> or <MedlineCitationSet>")

    last_pmid: str | None = None
    context = etree.iterparse(
        stream, events=("end",), tag=tags, resolve_entities=False, no_network=True,
        load_dtd=False, remove_comments=True,
    )
    try:
        for _event, element in context:
            item = _item(element, name, last_pmid, line_offset)
            if isinstance(item, Article):
                last_pmid = item.pmid
            _release(element)
            yield item
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] + line_offset if exc.position else None
        after = f" (after PMID {last_pmid})" if last_pmid else ""
        raise InputFileError(name, f"malformed XML{after}: {exc.msg}", line=line) from exc
    except DAMAGE as exc:
        after = f" after PMID {last_pmid}" if last_pmid else ""
        raise InputFileError(name, f"file is truncated or damaged{after}: "
                                   f"{exc or type(exc).__name__}") from exc
