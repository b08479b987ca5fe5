"""Sentence splitting with offsets into the text the dashboard highlights.

Every tag carries the sentence that produced it and that sentence's span, so
the splitter works on the exact strings the spans index: the title, and
``Article.abstract_text`` (``LABEL: text`` lines joined by newlines). It must
not cut at the full stops that clinical abstracts are full of ("vs.",
"et al.", "e.g.", "Fig. 2", "P < 0.05", "0.5 mm").
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from evidence.records import Article

# Section kinds the tagger reasons about. "unlabelled" is decided later from
# the sentence itself (a generic opening sentence is background).
BACKGROUND = "background"
OBJECTIVE = "objective"
METHODS = "methods"
RESULTS = "results"
CONCLUSION = "conclusion"
UNLABELLED = "unlabelled"
TITLE = "title"

# NlmCategory values are authoritative when present (PubMed assigns them).
_NLM_CATEGORY_KIND = {
    "BACKGROUND": BACKGROUND,
    "OBJECTIVE": OBJECTIVE,
    "METHODS": METHODS,
    "RESULTS": RESULTS,
    "CONCLUSIONS": CONCLUSION,
}

# Author labels vary ("Materials and Methods", "Patients and methods", "Aim").
# Order matters: a label naming both background and objective is mixed, and
# the tagger then decides sentence by sentence.
_LABEL_KIND_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE"), BACKGROUND),
    (re.compile(r"OBJECTIVE|\bAIMS?\b|PURPOSE|GOAL"), OBJECTIVE),
    (re.compile(r"METHOD|DESIGN|PATIENTS|SUBJECTS|PARTICIPANTS|SETTING|INTERVENTION|MATERIAL"),
     METHODS),
    (re.compile(r"RESULT|FINDING|OUTCOME"), RESULTS),
    (re.compile(r"CONCLUSION|DISCUSSION|INTERPRETATION|SUMMARY|LIMITATION"), CONCLUSION),
)
_MIXED_BACKGROUND = re.compile(r"(BACKGROUND|INTRODUCTION).*(OBJECTIVE|AIM|PURPOSE)")

# Words whose trailing full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    word.lower()
    for word in (
        "vs", "v", "et al", "al", "e.g", "i.e", "eg", "ie", "fig", "figs", "approx", "ca", "cf",
        "dr", "prof", "mr", "mrs", "ms", "no", "nos", "ref", "refs", "resp", "viz", "tab", "eq",
        "inc", "ltd", "co", "jr", "sr", "st", "vol", "pp", "min", "max", "mo", "mos", "yr",
        "yrs", "wk", "wks", "sp", "spp", "var", "incl", "approx", "est", "dept", "univ",
    )
)
_CANDIDATE_END = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_WORD_CHARS = string.ascii_letters + "."  # what an abbreviation before a full stop is made of
_TAIL = 32  # characters before a full stop enough to tell "et al"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and where it sits: source text, span, and section kind."""

    text: str
    source: str  # "title" or "abstract"
    start: int
    end: int
    section: str  # one of the section kinds above
    label: str | None = None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text`` (whitespace trimmed, empty ones dropped)."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _CANDIDATE_END.finditer(text):
        if text[match.start()] == "." and _is_abbreviation(text[begin:match.start()]):
            continue
        # Keep closing quotes/brackets that follow the full stop with the sentence.
        stop = match.start() + len(match.group().rstrip())
        spans.append((begin, stop))
        begin = match.end()
    spans.append((begin, len(text)))
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _is_abbreviation(before: str) -> bool:
    """True when the text before a full stop ends in an abbreviation or an initial."""
    # The word is the run of ASCII letters and dots at the end (before a final
    # newline, where "$" also matches), from its first letter: what
    # r"([A-Za-z][A-Za-z.]*)$" finds, read backwards in C instead of tried at
    # every position of the text.
    end = before[:-1] if before.endswith("\n") else before
    word = end[len(end.rstrip(_WORD_CHARS)):].lstrip(".")
    if not word:
        return False
    if len(word) == 1 and word.isupper():  # an initial, "J. Smith"
        return True
    lowered = word.lower().rstrip(".")
    if lowered in _ABBREVIATIONS:
        return True
    # "et al." is two words. Lower-casing maps no character onto these five
    # letters from more than one, so the last few characters decide.
    return lowered == "al" or before[-_TAIL:].lower().endswith("et al")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def section_kind(label: str | None, category: str | None) -> str:
    """The section kind of one abstract section, from NlmCategory then the label."""
    if category and category.upper() in _NLM_CATEGORY_KIND:
        return _NLM_CATEGORY_KIND[category.upper()]
    if not label:
        return UNLABELLED
    upper = label.upper()
    if _MIXED_BACKGROUND.search(upper):
        return UNLABELLED  # decided per sentence, like an unstructured abstract
    for pattern, kind in _LABEL_KIND_PATTERNS:
        if pattern.search(upper):
            return kind
    return UNLABELLED


def article_sentences(article: Article) -> list[Sentence]:
    """The title (one sentence) and the abstract's sentences, spans into their sources.

    Offsets for the abstract index ``article.abstract_text``, which joins
    ``LABEL: text`` lines with newlines; the loop below rebuilds that layout
    rather than searching for sentence strings, so repeated sentences keep
    their own positions.
    """
    sentences: list[Sentence] = []
    title = article.title or ""
    start, end = _trim(title, 0, len(title))
    if end > start:
        sentences.append(Sentence(title[start:end], "title", start, end, TITLE))
    offset = 0
    for index, section in enumerate(article.abstract):
        if index:
            offset += 1  # the "\n" between sections
        prefix = f"{section.label}: " if section.label else ""
        base = offset + len(prefix)
        kind = section_kind(section.label, section.category)
        text = section.text
        for a, b in split_sentences(text):
            sentences.append(
                Sentence(text[a:b], "abstract", base + a, base + b, kind, section.label)
            )
        offset = base + len(text)
    return sentences
