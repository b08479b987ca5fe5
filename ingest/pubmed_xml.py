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
RETRACTED_TYPE = "Retracted Publication"
# DataBankList also names sequence databases (GENBANK, PDB); only these are trial registries.
TRIAL_REGISTRIES = frozenset({
    "ClinicalTrials.gov", "ISRCTN", "ANZCTR", "ChiCTR", "CTRI", "DRKS", "EudraCT", "JPRN",
    "IRCT", "PACTR", "ReBec", "RPCEC", "SLCTR", "TCTR", "NTR", "CRiS", "EU-CTR",
})

# Decompression and parse errors that mean "this file is damaged".
_DAMAGE = (EOFError, gzip.BadGzipFile, zlib.error)


def _text(element: etree._Element | None) -> str:
    """All text inside ``element``, inline markup (<i>, <sup>, MathML) kept as text."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _open_binary(path: Path) -> IO[bytes]:
    handle = path.open("rb")
    if handle.read(2) == _GZIP_MAGIC:
        handle.close()
        return gzip.open(path, "rb")
    handle.seek(0)
    return handle


def _root_tag(stream: IO[bytes]) -> str | None:
    """The name of the document element, read from the first bytes only."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True,
                                 load_dtd=False)
    try:
        while chunk := stream.read(_SNIFF_CHUNK):
            parser.feed(chunk)
            for _event, element in parser.read_events():
                return etree.QName(element).localname
    except (etree.XMLSyntaxError, *_DAMAGE):
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


def _authors(article: etree._Element) -> list[Author]:
    authors = []
    for author in article.iterfind("AuthorList/Author"):
        if author.get("ValidYN") == "N":
            continue
        affiliations = tuple(
            _text(aff) for aff in author.iterfind("AffiliationInfo/Affiliation")
        ) or tuple(_text(aff) for aff in author.iterfind("Affiliation"))
        collective = author.find("CollectiveName")
        if collective is not None:
            authors.append(Author(collective_name=_text(collective), affiliations=affiliations))
            continue
        last = author.findtext("LastName")
        if not last:
            continue
        authors.append(Author(
            last_name=last.strip(),
            fore_name=(author.findtext("ForeName") or "").strip() or None,
            initials=(author.findtext("Initials") or "").strip() or None,
            affiliations=affiliations,
        ))
    return authors


def _mesh(citation: etree._Element) -> list[MeshHeading]:
    headings = []
    for heading in citation.iterfind("MeshHeadingList/MeshHeading"):
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


def _pages(article: etree._Element) -> str | None:
    medline_pages = article.findtext("Pagination/MedlinePgn")
    if medline_pages and medline_pages.strip():
        return medline_pages.strip()
    start = (article.findtext("Pagination/StartPage") or "").strip()
    end = (article.findtext("Pagination/EndPage") or "").strip()
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
    known = {registry_id for registry_id, _ in found}
    found.extend((registry_id, "abstract") for registry_id in dict.fromkeys(
        TRIAL_ID.findall(abstract)) if registry_id not in known)
    return found


def _article_ids(record: etree._Element) -> dict[str, str]:
    """The article's own ids, from PubmedData/ArticleIdList (never the ReferenceList)."""
    ids: dict[str, str] = {}
    for article_id in record.iterfind("PubmedData/ArticleIdList/ArticleId"):
        kind, value = article_id.get("IdType"), (article_id.text or "").strip()
        if kind and value:
            ids.setdefault(kind, value)
    return ids


def parse_citation(citation: etree._Element, record: etree._Element | None = None) -> Article:
    """One ``MedlineCitation`` (and its ``PubmedArticle`` wrapper when there is one)."""
    pmid = (citation.findtext("PMID") or "").strip()
    if not pmid.isdigit():
        raise ValueError(f"record without a numeric PMID ({pmid!r})")
    article = citation.find("Article")
    if article is None:
        raise ValueError("MedlineCitation without an Article element")

    sections = [
        AbstractSection(text=_text(node), label=node.get("Label") or None,
                        category=node.get("NlmCategory") or None)
        for node in article.iterfind("Abstract/AbstractText")
    ]
    sections = [section for section in sections if section.text]
    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    year, pub_date = _pub_date(issue.find("PubDate") if issue is not None else None)
    if year is None:
        article_date = article.find("ArticleDate")
        if article_date is not None:
            year_text = article_date.findtext("Year")
            year = int(year_text) if year_text and year_text.isdigit() else None
            pub_date = iso_date(year_text, article_date.findtext("Month"),
                                 article_date.findtext("Day"))

    ids = _article_ids(record) if record is not None else {}
    doi = ids.get("doi")
    if not doi:
        for location in article.iterfind("ELocationID"):
            if location.get("EIdType") == "doi" and location.get("ValidYN") != "N":
                doi = (location.text or "").strip() or None
                break
    pmcid = ids.get("pmc")
    if not pmcid:
        for other in citation.iterfind("OtherID"):
            value = (other.text or "").strip()
            if value.startswith("PMC"):
                pmcid = value.split()[0]
                break

    publication_types = [_text(node) for node in
                         article.iterfind("PublicationTypeList/PublicationType")]
    retracted = RETRACTED_TYPE in publication_types or any(
        comment.get("RefType") == "RetractionIn"
        for comment in citation.iterfind("CommentsCorrectionsList/CommentsCorrections"))
    revised = citation.find("DateRevised")
    title = _text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle"))
    result = Article(
        pmid=pmid,
        title=title,
        abstract=sections,
        doi=doi,
        pmcid=pmcid,
        journal=(_text(journal.find("Title")) or None) if journal is not None else None,
        journal_abbrev=((journal.findtext("ISOAbbreviation") or "").strip() or None)
        if journal is not None else None,
        volume=((issue.findtext("Volume") or "").strip() or None) if issue is not None else None,
        issue=((issue.findtext("Issue") or "").strip() or None) if issue is not None else None,
        pages=_pages(article),
        year=year,
        pub_date=pub_date,
        languages=[(node.text or "").strip() for node in article.iterfind("Language")
                   if (node.text or "").strip()],
        publication_status=(record.findtext("PubmedData/PublicationStatus") or None)
        if record is not None else None,
        date_revised=iso_date(revised.findtext("Year"), revised.findtext("Month"),
                               revised.findtext("Day")) if revised is not None else None,
        authors=_authors(article),
        publication_types=publication_types,
        mesh=_mesh(citation),
        keywords=[_text(node) for node in citation.iterfind("KeywordList/Keyword")
                  if _text(node)],
        retracted=retracted,
    )
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
        with _open_binary(path) as stream:
            root = _root_tag(stream)
        with _open_binary(path) as stream:
            yield from _iter_stream(stream, str(path), root)
    except _DAMAGE as exc:
        raise InputFileError(str(path), f"file is truncated or damaged: {exc}") from exc
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise InputFileError(str(path), f"damaged gzip data ({exc})") from exc
        raise InputFileError(str(path), exc.strerror or str(exc)) from exc


def iter_bytes(data: bytes, name: str = "<response>") -> Iterator[ParsedItem]:
    """Records from PubMed XML held in memory (an efetch answer)."""
    if data[:2] == _GZIP_MAGIC:
        data = gzip.decompress(data)
    yield from _iter_stream(io.BytesIO(data), name, _root_tag(io.BytesIO(data)))


def _item(element: etree._Element, name: str, last_pmid: str | None) -> ParsedItem:
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
        where = f"line {element.sourceline}" if element.sourceline else "a record"
        after = f", after PMID {last_pmid}" if last_pmid and not pmid else ""
        return InvalidRecord(pmid, f"{name}, {where}{after}: {exc}")


def _iter_stream(stream: IO[bytes], name: str, root: str | None) -> Iterator[ParsedItem]:
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
            item = _item(element, name, last_pmid)
            if isinstance(item, Article):
                last_pmid = item.pmid
            _release(element)
            yield item
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        after = f" (after PMID {last_pmid})" if last_pmid else ""
        raise InputFileError(name, f"malformed XML{after}: {exc.msg}", line=line) from exc
    except _DAMAGE as exc:
        after = f" after PMID {last_pmid}" if last_pmid else ""
        raise InputFileError(name, f"file is truncated or damaged{after}: "
                                   f"{exc or type(exc).__name__}") from exc
