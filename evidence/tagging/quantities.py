"""Numeric labels read from sentences: sample size, needle depth, sessions, follow-up.

The tagger passes the sentences that may speak for the study (title and
non-background sentences, normalised); each function returns the value and
the index of the sentence that stated it, so the tag keeps its provenance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evidence.tagging.numbers import DEPTH_VALUE, NUMBER, depth_from_match, to_weeks, word_to_int

_F = re.IGNORECASE
_NUM = rf"(?<![\w.,/-])(?:{NUMBER})"
# Words allowed between a number and the people it counts ("60 male AGA
# patients"), but not ones that start a new phrase ("13 RCTs involving 696").
_MOD = (
    r"(?:(?!(?:with|involving|in|of|from|featuring|totall?ing|and|or|to|were|was|had|who|for|at"
    r"|on|by|studies|trials|rcts|articles|groups?|patches|sessions|weeks?|months?)\b)"
    r"[A-Za-z][\w'-]*\s+)"
)
_PEOPLE = (
    r"(?:patients?|subjects?|participants?|volunteers?|individuals?|cases?|men|women|man|woman"
    r"|males?|females?|children|child|adults?|adolescents?|persons?|people|boys?|girls?)\b"
)
_ENROLLED = r"(?:enrolled|recruited|included|randomi[sz]ed|studied|participated|completed|entered)"

# Tier 1: the sentence says the people were enrolled, or gives a total.
_SAMPLE_STRONG = (
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,2}}(?:and|,)\s+(?P<m>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}"
        rf"(?:\s*\([^)]*\))?\s+(?:were\s+|was\s+)?{_ENROLLED}",
        _F,
    ),
    re.compile(
        rf"\b(?:total of|in total,?|overall,?)\s+(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}", _F
    ),
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}\s*(?:\([^)]*\)\s*)?(?:who\s+|that\s+)?"
        rf"(?:were\s+|was\s+|had been\s+|have been\s+)?{_ENROLLED}",
        _F,
    ),
    re.compile(
        rf"\b(?:enrolled|recruited|included|randomi[sz]ed|involving|featuring|comprising|of the"
        rf"|with|report(?:ed)?|describe[sd]?|present(?:ed)?|total(?:l?ing))\s+(?P<n>{_NUM})\s+"
        rf"{_MOD}{{0,3}}{_PEOPLE}",
        _F,
    ),
)
# Tier 2: a number of people anywhere in a counted sentence ("Hundred cases of AGA").
_SAMPLE_WEAK = re.compile(rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}", _F)
# A case report that never writes a number: "a 59-year-old woman", "a case of".
_SINGLE_CASE = re.compile(
    r"\b(?:a|an|one)\s+(?:\d+[- ]year[- ]old\b|case of\b|(?:[\w-]+\s+){0,2}?"
    r"(?:patient|man|woman|boy|girl|child)\b)",
    _F,
)
MAX_PLAUSIBLE_SAMPLE = 1_000_000

_SESSION_RANGE = re.compile(
    rf"(?P<n>{_NUM})\s*(?:-|to)\s*(?P<m>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?(?:sessions|sittings|treatments)\b",
    _F,
)
_SESSIONS = (
    re.compile(rf"(?P<n>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?(?:sessions|sittings)\b", _F),
    re.compile(
        rf"\b(?:total of|received?|underwent|undergo|given|completed)\s+(?P<n>{_NUM})\s+"
        rf"(?:[\w-]+\s+){{0,2}}?(?:treatments|procedures|applications)\b",
        _F,
    ),
    re.compile(rf"\b(?:treated|performed|repeated)\s+(?P<n>{_NUM})\s+times\b", _F),
)
MAX_PLAUSIBLE_SESSIONS = 60

_DEPTH_CUE_BEFORE = re.compile(
    rf"\b(?:depths?|length|penetration|deep)\b(?P<gap>[^;]{{0,40}}?)(?<![\d.])(?:{DEPTH_VALUE.pattern})",
    _F,
)
_DEPTH_CUE_AFTER = re.compile(
    rf"(?<![\d.])(?:{DEPTH_VALUE.pattern})\s*(?:in depth|deep|depth|needles?|long|length"
    rf"|micro-?needl\w*|derma-?rollers?|derma-?pens?)\b",
    _F,
)
# "depth was less than 1 mm" is a comparison, not the depth used.
_DEPTH_COMPARISON = re.compile(
    r"less than|more than|greater than|up to|<|>|≤|≥|\bover\b|\bunder\b|exceed|above|below", _F
)
MIN_PLAUSIBLE_DEPTH_MM, MAX_PLAUSIBLE_DEPTH_MM = 0.05, 5.0

_UNIT = r"(?P<unit>weeks?|wks?|months?|years?|days?)\b"
_LIST = rf"(?P<list>{_NUM}(?:\s*(?:,|and|or)\s*{_NUM})*)"
_FOLLOW_UP = (
    re.compile(
        rf"follow(?:ed)?[- ]?up\b[^.;]{{0,40}}?\b(?:for|of|at|after|to|lasting)\s+(?:a\s+)?"
        rf"(?:period\s+of\s+)?{_LIST}\s*[- ]?{_UNIT}",
        _F,
    ),
    re.compile(rf"{_LIST}[- ]{_UNIT}\s+(?:of\s+)?follow[- ]?up", _F),
    re.compile(rf"{_LIST}\s*[- ]?{_UNIT}\s+(?:after|following|post)\b", _F),
    re.compile(
        rf"\b(?:at|by|after|until|through)\s+{_LIST}\s+{_UNIT}(?!\s*(?:intervals?|apart))", _F
    ),
    re.compile(r"\b(?P<unit>week|month|day)s?\s+(?P<list>\d+)\b", _F),
    re.compile(
        r"(?P<list>\d+(?:st|nd|rd|th)(?:\s*(?:,|and|or)\s*\d+(?:st|nd|rd|th))*)\s+"
        r"(?P<unit>weeks?|months?|years?)\b",
        _F,
    ),
)
# "for 3 months" is a follow-up only in a sentence about assessing the result.
_EVALUATION_SPAN = re.compile(
    rf"\b(?:for|over)\s+(?:a\s+(?:total\s+)?(?:of\s+)?)?{_LIST}\s+{_UNIT}", _F
)
_EVALUATION_WORDS = re.compile(
    r"\b(?:evaluat|assess|follow|observ|showed|measur|examin|monitor|record)\w*", _F
)
_NOT_FOLLOW_UP_BEFORE = re.compile(
    r"(?:every|once|intervals?\s+of|within|since|aged?|for\s+the\s+first)\s*$", _F
)
_LIST_NUMBER = re.compile(rf"{NUMBER}|\d+", _F)


# Cheap tests that let most sentences skip the number patterns entirely.
_HAS_PEOPLE = re.compile(_PEOPLE, _F)
_HAS_SESSIONS = re.compile(r"sessions|sittings|treatments|procedures|applications|times", _F)
_HAS_DEPTH_UNIT = re.compile(r"mm\b|μm|um\b|micron|millimet", _F)
_HAS_DURATION = re.compile(r"week|wks?\b|month|year|day", _F)


def _int(text: str) -> int | None:
    return word_to_int(text)


def sample_size(sentences: Sequence[str]) -> tuple[int, int] | None:
    """Participants enrolled, and the index of the sentence that says so.

    Sentence 0 is the title when present: a title that counts its patients
    ("our experience with 41 patients") is taken first. Then the strongest
    statement (enrolled, total) in reading order, then any count of people.
    """
    if sentences:
        found = _first_sample([sentences[0]], (*_SAMPLE_STRONG, _SAMPLE_WEAK))
        if found:
            return found
    found = _first_sample(sentences, _SAMPLE_STRONG)
    return found or _first_sample(sentences, (_SAMPLE_WEAK,))


def _first_sample(
    sentences: Sequence[str], patterns: Sequence[re.Pattern[str]]
) -> tuple[int, int] | None:
    for index, text in enumerate(sentences):
        if not _HAS_PEOPLE.search(text):
            continue
        best: tuple[int, int] | None = None  # (position, value)
        for pattern in patterns:
            for match in pattern.finditer(text):
                value = _int(match.group("n"))
                if "m" in match.groupdict() and match.group("m"):
                    other = _int(match.group("m"))
                    value = value + other if value is not None and other is not None else None
                if value and 0 < value < MAX_PLAUSIBLE_SAMPLE:
                    if best is None or match.start() < best[0]:
                        best = (match.start(), value)
                    break
        if best:
            return best[1], index
    return None


def single_case(sentences: Sequence[str]) -> int | None:
    """Index of a sentence naming one patient without a number (case reports)."""
    for index, text in enumerate(sentences):
        if _SINGLE_CASE.search(text):
            return index
    return None


def sessions(sentences: Sequence[str]) -> tuple[int | None, int] | None:
    """Needling sessions as a number, from the first sentence that states any.

    A range ("four to six sessions") is not "a number": the value is then
    None, but the sentence index is still returned so nothing later overrides it.
    """
    for index, text in enumerate(sentences):
        if not _HAS_SESSIONS.search(text):
            continue
        candidates: list[tuple[int, int | None]] = []
        for match in _SESSION_RANGE.finditer(text):
            candidates.append((match.start(), None))
        for pattern in _SESSIONS:
            for match in pattern.finditer(text):
                value = _int(match.group("n"))
                if value and 0 < value <= MAX_PLAUSIBLE_SESSIONS:
                    candidates.append((match.start(), value))
        if candidates:
            return min(candidates, key=lambda item: item[0])[1], index
    return None


def needle_depth(sentences: Sequence[str]) -> tuple[tuple[float, float], int] | None:
    """The first needle depth stated next to a depth word, in millimetres."""
    for index, text in enumerate(sentences):
        if not _HAS_DEPTH_UNIT.search(text):
            continue
        matches = [
            m for m in _DEPTH_CUE_BEFORE.finditer(text) if not _DEPTH_COMPARISON.search(m["gap"])
        ]
        matches += list(_DEPTH_CUE_AFTER.finditer(text))
        for match in sorted(matches, key=lambda m: m.start()):
            low, high = depth_from_match(match)
            if MIN_PLAUSIBLE_DEPTH_MM <= low <= high <= MAX_PLAUSIBLE_DEPTH_MM:
                return (low, high), index
    return None


def follow_up_weeks(sentences: Sequence[str]) -> tuple[int, int] | None:
    """The longest assessment time stated, in weeks, and its sentence index."""
    best: tuple[int, int] | None = None
    for index, text in enumerate(sentences):
        if not _HAS_DURATION.search(text):
            continue
        matches = [m for pattern in _FOLLOW_UP for m in pattern.finditer(text)]
        if _EVALUATION_WORDS.search(text):
            matches += list(_EVALUATION_SPAN.finditer(text))
        for match in matches:
            if _NOT_FOLLOW_UP_BEFORE.search(text, 0, match.start()):
                continue
            unit = match.group("unit")
            for number in _LIST_NUMBER.findall(match.group("list")):
                value = _int(re.sub(r"(?:st|nd|rd|th)$", "", number))
                if value is None:
                    continue
                weeks = to_weeks(value, "months" if unit.lower().startswith("mo") else unit)
                if weeks > 0 and (best is None or weeks > best[0]):
                    best = (weeks, index)
    return best
