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
from collections.abc import Iterator
from pathlib import Path

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
from ingest.xml_chunks import (
    DAMAGE,
    GZIP_MAGIC,
    ByteSource,
    Chunk,
    Remainder,
    open_binary,
    split_file,
)

ARTICLE_SET_ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet"}
CITATION_SET_ROOT = "MedlineCitationSet"  # MEDLINE files before 2017
_SNIFF_CHUNK = 4096

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    start=1)}
# A season names no month; for sorting only we place it where it begins.
_SEASON_MONTH = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
# Every parser here, whole document or stream: no DTD, no entities, no network.
SAFE_PARSING: dict[str, bool] = {"resolve_entities": False, "no_network": True,
                                 "load_dtd": False, "remove_comments": True}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# A month or day that opens a range ("2015 Oct-Dec", "1998 Dec-1999 Jan", "2015 Oct
# 12-18") is not known: the date stops before it.
MEDLINE_DATE = re.compile(r"(?P<year>\d{4})(?:\s+(?P<month>[A-Za-z]{3})[a-z]*+(?!\s*-)"
                          r"(?:\s+(?P<day>\d{1,2})\b(?!\s*-))?)?")

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



# MathML inside an abstract: its layout white space (one element per line in efetch
# output) is not text, except inside <mml:mtext>.
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATH_TEXT = f"{_MATHML}mtext"
# Inline elements that attach to the text before them.
_ATTACHED = frozenset({"sub", "sup"})
# A superscript that is a power of the number before it: "1.5 x 10<sup>6</sup>/uL".
_EXPONENT = re.compile(r"[-+\u2212\u2013]?\d+(?:\.\d+)?")


def _text(element: etree._Element | None) -> str:
    """All text inside ``element``, inline markup (<i>, <sup>, MathML) kept as text.

    Runs of white space (pretty-printed files) fold to one space. Leaf
    elements, the vast majority, skip the tree walk: this is the hot path.
    """
    if element is None:
        return ""
    if len(element):
        text = _marked_up_text(element)
    else:
        text = element.text
        if not text:
            return ""
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text.strip()


def _marked_up_text(element: etree._Element) -> str:
    """The text of an element with inline markup, exponents written as such.

    Flattened, "10<sup>6</sup>" reads "106" and "10<sup>-5</sup>" a range "10-5":
    wrong numbers on screen and for the tagger. A numeric superscript right
    after a digit becomes "10^6"; every other superscript ("cm<sup>2</sup>",
    "h<sup>-1</sup>", "1<sup>st</sup>") stays plain text as before. Layout white
    space is not text: MathML's, and a line break before a <sub> or <sup>.
    """
    exponents = {sup for sup in element.iter("sup")
                 if not len(sup) and sup.text and _EXPONENT.fullmatch(sup.text.strip())}
    parts: list[str] = []

    def walk(node: etree._Element, in_math: bool) -> None:
        if node.tag in _ATTACHED and parts:
            parts[-1] = _without_layout_end(parts[-1])
        if node in exponents and parts and parts[-1][-1:].isdigit():
            parts.append("^")
        if node.text and not (in_math and node.text.isspace() and node.tag != _MATH_TEXT):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):  # processing instructions hold no text
                walk(child, in_math or child.tag.startswith(_MATHML))
            if child.tail and not (in_math and child.tail.isspace()):
                parts.append(child.tail)

    walk(element, False)
    return "".join(parts)


def _without_layout_end(text: str) -> str:
    """``text`` without the line break and indentation a pretty-printer put before a
    <sub> or <sup> ("β\\n\\t\\t<sub>2</sub>-agonist" is "β2-agonist"); a plain space,
    which the author may have meant, stays."""
    stripped = text.rstrip()
    return stripped if "\n" in text[len(stripped):] else text


def _child(element: etree._Element, tag: str) -> etree._Element | None:
    """The first child named ``tag``: ``find(tag)`` without ElementPath's Python layer."""
    return next(element.iterchildren(tag), None)


def _child_text(element: etree._Element, tag: str) -> str | None:
    """``findtext(tag)``: that child's text ("" when empty), None when there is no child."""
    child = _child(element, tag)
    return None if child is None else (child.text or "")


def _child_texts(element: etree._Element) -> dict[object, str]:
    """Each child name's first text ("" when empty), as ``findtext`` would give, in one pass."""
    texts: dict[object, str] = {}
    for child in element:
        texts.setdefault(child.tag, child.text or "")
    return texts


class _Unreadable(str):
    """Why the document element could not be read (an XML or decoding fault)."""


def _root_tag(stream: ByteSource) -> str | None:
    """The name of the document element, read from the first bytes only.

    Returns an :class:`_Unreadable` reason instead when the first bytes are
    not well-formed XML, so the error can say what is wrong (an encoding
    fault reads very differently from "not PubMed").
    """
    parser = etree.XMLPullParser(events=("start",), **SAFE_PARSING)
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


def require_pmid(text: str) -> None:
    """Raise ValueError unless ``text`` is a PMID as PubMed writes them: ASCII digits,
    no leading zero. ``str.isdigit`` alone would also take "٣" or "0042", which
    PubMed never issues and which would break the PMID sort, (length, text), and
    every link built on the PMID.
    """
    if not (text.isascii() and text.isdigit() and not text.startswith("0")):
        raise ValueError(f"record without a valid PMID ({text!r}; a PMID is digits 0-9 "
                         "without a leading zero)")


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
    parts = _child_texts(pub_date)
    year = parts.get("Year")
    if year:
        iso = iso_date(year.strip(), parts.get("Month"), parts.get("Day"))
        return (int(year) if year.strip().isdigit() else None), iso
    medline_date = parts.get("MedlineDate", "").strip()
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
    last = fore = initials = collective = suffix = None
    affiliations: list[str] = []
    for child in author:
        tag = child.tag
        if tag == "LastName":
            last = _text(child)
        elif tag == "ForeName":
            fore = _text(child) or None
        elif tag == "Initials":
            initials = _text(child) or None
        elif tag == "Suffix":
            suffix = _text(child) or None
        elif tag == "AffiliationInfo":
            for part in child:  # its first Affiliation
                if part.tag == "Affiliation":
                    affiliations.append(_text(part))
                    break
        elif tag == "Affiliation":  # MEDLINE files before 2015
            affiliations.append(_text(child))
        elif tag == "CollectiveName":
            collective = _text(child)
    # Positional arguments: a frozen dataclass takes keywords at twice the cost.
    if collective:
        return Author(None, None, None, collective, tuple(affiliations))
    if not last:
        return None
    return Author(last, fore, initials, None, tuple(affiliations), suffix)


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
        descriptor = None
        qualifiers = []
        for part in heading:
            tag = part.tag
            if tag == "QualifierName":
                qualifiers.append(part)
            elif tag == "DescriptorName" and descriptor is None:
                descriptor = part
        if descriptor is None:
            continue
        names = [_text(qualifier) for qualifier in qualifiers]
        headings.append(MeshHeading(  # positional: see _author
            _text(descriptor), descriptor.get("UI"), descriptor.get("MajorTopicYN") == "Y",
            tuple(names),
            tuple(name for name, qualifier in zip(names, qualifiers, strict=True)
                  if qualifier.get("MajorTopicYN") == "Y"),
        ))
    return headings


def _pages(pagination: etree._Element) -> str | None:
    medline_pages = _text(_child(pagination, "MedlinePgn"))
    if medline_pages:
        return medline_pages
    start = _text(_child(pagination, "StartPage"))
    end = _text(_child(pagination, "EndPage"))
    if start:
        return f"{start}-{end}" if end and end != start else start
    return None


def _trial_ids(databank_lists: list[etree._Element], abstract: str) -> list[tuple[str, str]]:
    """Registry ids with where each was found: ``databank`` or ``abstract``."""
    found = [
        ((accession.text or "").strip(), "databank")
        for databank_list in databank_lists
        for bank in databank_list.iterchildren("DataBank")
        if (_child_text(bank, "DataBankName") or "").strip() in TRIAL_REGISTRIES
        for numbers in bank.iterchildren("AccessionNumberList")
        for accession in numbers.iterchildren("AccessionNumber")
        if (accession.text or "").strip()
    ]
    for prefix in _TRIAL_PREFIXES:  # a plain loop: no generator on this per-record path
        if prefix in abstract:
            break
    else:
        return found
    known = {registry_id for registry_id, _ in found}
    found.extend((registry_id, "abstract") for registry_id in dict.fromkeys(
        TRIAL_ID.findall(abstract)) if registry_id not in known)
    return found


def _article_ids(pubmed_data: etree._Element) -> dict[str, str]:
    """The article's own ids, from PubmedData/ArticleIdList (never the ReferenceList)."""
    ids: dict[str, str] = {}
    for id_list in pubmed_data.iterchildren("ArticleIdList"):
        for article_id in id_list.iterchildren("ArticleId"):
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
    parts = _child_texts(element)
    return iso_date(parts.get("Year"), parts.get("Month"), parts.get("Day"))


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
    require_pmid(pmid)
    if article is None:
        raise ValueError("MedlineCitation without an Article element")

    result = Article(pmid=pmid, title="", date_revised=date_revised, mesh=mesh,
                     keywords=keywords)
    vernacular_title = ""
    article_date = None
    elocation_doi = None
    databank_lists: list[etree._Element] = []
    for child in article:
        tag = child.tag
        if tag == "ArticleTitle":
            result.title = _text(child)
        elif tag == "Journal":
            for name, value in _journal(child).items():
                setattr(result, name, value)
        elif tag == "Abstract":
            result.abstract = [  # positional: see _author
                AbstractSection(text, node.get("Label") or None, node.get("NlmCategory") or None)
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
        elif tag == "DataBankList":
            databank_lists.append(child)
    if result.title:
        result.vernacular_title = vernacular_title or None
    else:  # no English title: the original stands in for it
        result.title = vernacular_title
    if result.year is None and article_date is not None:
        year_text = _child_text(article_date, "Year")
        result.year = int(year_text) if year_text and year_text.isdigit() else None
        result.pub_date = _date_of(article_date)

    if record is not None:
        pubmed_data = _child(record, "PubmedData")
        if pubmed_data is not None:
            ids = _article_ids(pubmed_data)
            result.doi = ids.get("doi")
            pmcid = ids.get("pmc") or pmcid
            status = _child(pubmed_data, "PublicationStatus")
            result.publication_status = _text(status) or None if status is not None else None
    result.doi = result.doi or elocation_doi
    result.pmcid = pmcid
    result.retracted = retracted_in or RETRACTED_TYPE in result.publication_types
    trials = _trial_ids(databank_lists, result.abstract_text)
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
    """Records from a PubMed XML file (``.xml`` or ``.xml.gz``), read a chunk at a time.

    Raises :class:`InputFileError` naming the file, the line and the last
    good PMID when the file is not PubMed XML, is truncated or malformed.
    Items before the fault have already been yielded, so the caller can keep
    them.
    """
    path = Path(path)
    name = str(path)
    last_pmid: str | None = None
    try:
        root = sniff_root(path)
        if root not in RECORD_TAGS:  # _iter_stream says why it cannot be read
            with open_binary(path) as stream:
                yield from _iter_stream(stream, name, root)
            return
        for piece in split_file(path, root):
            for item in iter_piece(piece, name, root, last_pmid):
                if isinstance(item, Article):
                    last_pmid = item.pmid
                yield item
    except DAMAGE as exc:
        after = f" after PMID {last_pmid}" if last_pmid else ""
        raise InputFileError(name, f"file is truncated or damaged{after}: "
                                   f"{exc or type(exc).__name__}") from exc
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise InputFileError(name, f"damaged gzip data ({exc})") from exc
        raise InputFileError(name, exc.strerror or str(exc)) from exc


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
    if data[:2] == GZIP_MAGIC:
        data = gzip.decompress(data)
    root = root or _root_tag(io.BytesIO(data))
    if root not in RECORD_TAGS:  # _iter_stream says why it cannot be read
        yield from _iter_stream(io.BytesIO(data), name, root, line_offset)
        return
    yield from iter_piece(Chunk(data, line_offset), name, root)


# The elements that are records, by document element.
RECORD_TAGS = {
    **dict.fromkeys(ARTICLE_SET_ROOTS, ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")),
    CITATION_SET_ROOT: ("MedlineCitation", "DeleteCitation"),
}
_DOCUMENT_PARSER = etree.XMLParser(**SAFE_PARSING)


def iter_piece(piece: Chunk | Remainder, name: str, root: str,
               last_pmid: str | None = None) -> Iterator[ParsedItem]:
    """The records of one piece of a file (see :mod:`ingest.xml_chunks`).

    A chunk is parsed in one libxml2 call; if it is not well-formed it is
    streamed instead, which yields its records up to the fault and then
    raises, naming the line, exactly as reading the whole file would.
    """
    if isinstance(piece, Remainder):
        yield from _iter_stream(piece.stream, name, root, piece.line_offset, last_pmid)
        return
    try:
        document = etree.fromstring(piece.document, _DOCUMENT_PARSER)
    except etree.XMLSyntaxError:
        yield from _iter_stream(io.BytesIO(piece.document), name, root, piece.line_offset,
                                last_pmid)
        return
    for element in document.iterchildren(*RECORD_TAGS[root]):
        item = _item(element, name, last_pmid, piece.line_offset)
        if isinstance(item, Article):
            last_pmid = item.pmid
        yield item


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
        citation = _child(element, "MedlineCitation")
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


_LINE_IN_MESSAGE = re.compile(r"\bline (\d+)")


def _file_lines(message: str, line_offset: int) -> str:
    """libxml2's message with the lines it names ("tag mismatch: X line 26") made the file's."""
    if not line_offset:
        return message
    return _LINE_IN_MESSAGE.sub(lambda m: f"line {int(m.group(1)) + line_offset}", message)


def _iter_stream(stream: ByteSource, name: str, root: str | None,
                 line_offset: int = 0, last_pmid: str | None = None) -> Iterator[ParsedItem]:
    if isinstance(root, _Unreadable):
        raise InputFileError(name, f"not readable as XML: {root}")
    if root is None:
        raise InputFileError(name, "not PubMed XML: no XML document element could be read")
    tags = RECORD_TAGS.get(root)
    if tags is None:
        raise InputFileError(
            name, f"not PubMed XML: the document element is <{root}>, expected "
                  "<PubmedArticleSet> or <MedlineCitationSet>")
    context = etree.iterparse(stream, events=("end",), tag=tags, **SAFE_PARSING)
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
        raise InputFileError(name, f"malformed XML{after}: {_file_lines(exc.msg, line_offset)}",
                             line=line) from exc
    except DAMAGE as exc:
        after = f" after PMID {last_pmid}" if last_pmid else ""
        raise InputFileError(name, f"file is truncated or damaged{after}: "
                                   f"{exc or type(exc).__name__}") from exc
