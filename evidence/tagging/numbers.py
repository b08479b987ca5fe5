"""Numbers as abstracts write them: digits, words, ranges, durations.

Abstracts open sentences with words ("Sixty patients", "Hundred cases") and
give needle depths as ranges or tolerances ("0.5-1.5 mm", "0.5 to 2.5 mm",
"1 ± 0.5 mm"). These helpers turn the text into values; the tagger decides
which sentences to read them from.
"""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "twelfth": 12,
}

# Every word WORD_NUMBER is built from: each of its matches contains one of them.
NUMBER_WORDS = frozenset({*_UNITS, *_TENS, "hundred"})

_UNIT_ALT = "|".join(sorted(_UNITS, key=len, reverse=True))
_TENS_ALT = "|".join(sorted(_TENS, key=len, reverse=True))
_BELOW_100 = rf"(?:(?:{_TENS_ALT})(?:[- ](?:{_UNIT_ALT}))?|(?:{_UNIT_ALT}))"
# "one hundred and twenty", "One-hundred eleven", "a hundred", "Hundred" (a sentence
# opener), "twelve".
WORD_NUMBER = (
    rf"(?:(?:(?:{_BELOW_100}|a)[\s-]+)?hundred(?:[\s-]+(?:and[\s-]+)?{_BELOW_100})?"
    rf"|{_BELOW_100})"
)
# Digits with optional thousands separators ("1,127"; "18 804", the SI style, whose thin
# space the tagger's normalising makes a space) or a decimal part.
DIGIT_NUMBER = r"\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?![\d.,])|\d+(?:\.\d+)?"
_GROUPED_DIGITS = re.compile(r"\d{1,3}(?:[ ,]\d{3})+")
NUMBER = rf"(?:{DIGIT_NUMBER}|\b{WORD_NUMBER}\b)"

# What joins the two ends of a depth range, or two depths used ("0.5 and 1.5 mm").
_DASH = r"(?:-|–|—|‐|‑|to|and|or)"
_DECIMAL = r"\d+(?:[.,·]\d+)?|\.\d+"
_DEPTH_UNIT = r"mm|millimet(?:er|re)s?|µm|μm|um|microns?|micromet(?:er|re)s?"
# The first end may carry its own unit and where it was used: "0.5 mm to 1.5 mm",
# "0.5 mm (frontal) to 2.5 mm", "1.5 mm on the vertex and 1.0 mm".
# "on the frontal hairline", "at the vertex", "in the temporal area".
# "1.5 mm was used on the vertex and 1 mm on the temples" too.
_FIRST_END_PLACE_REQUIRED = (r"(?:\s*\([^()]{0,30}\)|(?:\s+(?:was|were)\s+(?:used|applied|set))?"
                             r"\s+(?:on|at|in|for|over)\s+(?:the\s+)?[a-z]+"
                             r"(?:\s+(?!(?:and|or|to|versus|vs)\b)[a-z]+)?)")
_RANGE_DASH = r"(?:-|–|—|‐|‑|(?:up\s+)?to)"  # "from 1.5 mm up to 3.5 mm" too
# "0.5, 1.0 and 1.5 mm": the values between the ends, the last joined by "and" or "or"
# (in "Dermapen 4, 0.8-1.2 mm" the 4 is a model, not a depth).
_MIDDLE = rf"(?:\s*,\s*(?:{_DECIMAL}))+\s*,?\s*(?:and|or)"
# With its own unit, the first end joins the second by "to" or a dash ("0.5 mm to 1.5
# mm"), by "and"/"or" after where it was used ("1.5 mm on the vertex and 1.0 mm"), or by
# "and", "or", "versus" straight: two arms' depths ("0.5 mm and 1.5 mm microneedling
# depths", "1.5 mm versus 2 mm microneedling"); the reader of a match decides whether it is
# the needle's ("trimmed to 1 mm and 1.5 mm needles" names the hair's length first).
# Not a width or a spacing: "0.25 mm in diameter", "2 mm apart".
_DEPTH_VALUE = re.compile(
    rf"(?P<a>{_DECIMAL})\s*(?:(?P<pm>±|\+/-|\+-)\s*(?P<tol>{_DECIMAL})"
    rf"|(?:(?:{_DEPTH_UNIT})\b(?:{_FIRST_END_PLACE_REQUIRED}\s*{_DASH}|\s*{_RANGE_DASH}"
    rf"|\s+(?:and|or|versus|vs\.?)\s)"
    rf"|{_MIDDLE}|\s*{_DASH})\s*(?P<b>{_DECIMAL}))?"
    rf"(?:\s*|-)(?P<unit>{_DEPTH_UNIT})\b"
    rf"(?!\s*(?:in\s+)?(?:diameter|wide|width|thick|apart|spacing|intervals?)\b)",
    re.IGNORECASE,
)

WEEKS_PER_MONTH = 52 / 12  # TAGS.md: months convert at 52/12 weeks
WEEKS_PER_YEAR = 52
DAYS_PER_WEEK = 7


def word_to_int(text: str) -> int | None:
    """``"Sixty-eight"`` -> 68, ``"Hundred"`` -> 100, ``"1,127"`` -> 1127; else None."""
    cleaned = text.strip().lower()
    if _GROUPED_DIGITS.fullmatch(cleaned):
        cleaned = cleaned.replace(" ", "")
    cleaned = cleaned.replace(",", "")
    if cleaned.isdigit():
        return int(cleaned)
    try:
        as_float = float(cleaned)
    except ValueError:
        pass
    else:
        return int(as_float) if as_float.is_integer() else None
    if cleaned in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[cleaned]
    words = re.split(r"[\s-]+", cleaned.replace(" and ", " "))
    total = 0
    current = 0
    seen = False
    for word in words:
        if word in ("", "and"):
            continue
        if word == "a":
            current = max(current, 1)
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _to_float(text: str) -> float:
    return float(text.replace(",", ".").replace("·", "."))


def parse_depth_mm(text: str) -> tuple[float, float] | None:
    """The first depth in ``text`` as (min, max) millimetres.

    ``"0.5-1.5 mm"`` and ``"0.5 to 2.5 mm"`` are ranges, ``"1.5 mm"`` is
    (1.5, 1.5), ``"1 ± 0.5 mm"`` is (0.5, 1.5), micrometres are converted.
    """
    match = _DEPTH_VALUE.search(text)
    return depth_from_match(match) if match else None


def depth_from_match(match: re.Match[str]) -> tuple[float, float]:
    """Convert one match of the depth value pattern to millimetres."""
    low = _to_float(match.group("a"))
    if match.group("tol"):
        tol = _to_float(match.group("tol"))
        low, high = low - tol, low + tol
    elif match.group("b"):
        high = _to_float(match.group("b"))
    else:
        high = low
    if match.group("unit").lower().startswith(("µm", "μm", "um", "micro")):
        low, high = low / 1000, high / 1000
    return (round(min(low, high), 3), round(max(low, high), 3))


DEPTH_VALUE = _DEPTH_VALUE


def round_half_up(value: float) -> int:
    """Round .5 up, as people do (``round`` would send 4.5 to 4)."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def to_weeks(amount: float, unit: str) -> int:
    """A duration in whole weeks: months at 52/12 weeks, rounded (TAGS.md)."""
    unit = unit.lower()
    if unit.startswith("month"):
        return round_half_up(amount * WEEKS_PER_MONTH)
    if unit.startswith("year"):
        return round_half_up(amount * WEEKS_PER_YEAR)
    if unit.startswith("day"):
        return round_half_up(amount / DAYS_PER_WEEK)
    return round_half_up(amount)


def months_to_weeks(months: float) -> int:
    """``3`` -> 13, ``6`` -> 26, ``18`` -> 78."""
    return to_weeks(months, "months")
