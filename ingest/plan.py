"""Splitting a big PubMed search into date windows that each fit in one esearch.

PubMed's esearch (and efetch from its history) reaches only the first 9,999
records of a search. A search with more hits is cut into windows on the
chosen date type (entrez date ``edat`` or modification date ``mdat``) by
bisection until every window's count fits, so nothing is silently capped.

One day can hold more than that: NLM's year-end processing revises most of
PubMed on a few days, so a nightly ``--since last`` of a wide query meets
tens of thousands of records with one modification date. Such a day is cut
again on a second date type that does not move (entry date for mdat,
publication date for edat), written into the term in PubMed's own syntax
(``2025/09/27:2025/11/26[Date - Entry]``, as its QueryTranslation shows).

The planning is pure: it takes the search as a function, so it is tested
against plain in-memory counts and, separately, against the fake server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from evidence.errors import EvidenceError
from ingest.eutils import ESEARCH_MAX_RETMAX

__all__ = [
    "EARLIEST_PUBMED_DATE",
    "DateWindow",
    "SearchSlice",
    "SearchTooLarge",
    "bisect_window",
    "format_ncbi_date",
    "full_window",
    "parse_date",
    "plan_windows",
    "within_term",
    "within_window",
]

# The oldest PubMed citations are from the 1780s; starting a little earlier
# costs one bisection step and cannot miss anything.
EARLIEST_PUBMED_DATE = dt.date(1700, 1, 1)
# NCBI stamps dates in US Eastern time; looking two days past our "today"
# covers any time zone and a record added while the search runs.
FUTURE_MARGIN = dt.timedelta(days=2)
# A journal issue can carry a date a year or more ahead of its entry.
PUBLICATION_MARGIN = dt.timedelta(days=3 * 366)

# The date type that cuts one day of another, and its name in a search term.
_SECOND_DATETYPE = {"mdat": "edat", "edat": "pdat"}
_TERM_FIELD = {"edat": "Date - Entry", "pdat": "Date - Publication"}


class SearchTooLarge(EvidenceError):
    """One day of the date type alone holds more hits than esearch can return."""


class _Counted(Protocol):
    @property
    def count(self) -> int: ...


_R = TypeVar("_R", bound=_Counted)


@dataclass(frozen=True, order=True, slots=True)
class DateWindow:
    """An inclusive range of days, as PubMed's mindate/maxdate read it."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"empty date window {self.start}..{self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def mindate(self) -> str:
        return format_ncbi_date(self.start)

    @property
    def maxdate(self) -> str:
        return format_ncbi_date(self.end)


@dataclass(frozen=True, order=True, slots=True)
class SearchSlice:
    """Part of a search: a window on its date type and, inside one day of it, on a second.

    ``within`` is None unless the day alone held more hits than one search
    returns; then it is a window on :func:`within_window`'s date type.
    """

    window: DateWindow
    within: DateWindow | None = None


def format_ncbi_date(day: dt.date) -> str:
    """``YYYY/MM/DD``, the form E-utilities document for mindate/maxdate."""
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def parse_date(text: str) -> dt.date:
    """Accept ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY-MM`` or ``YYYY`` (first day)."""
    cleaned = text.strip().replace("/", "-")
    parts = cleaned.split("-")
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 1:
            return dt.date(numbers[0], 1, 1)
        if len(numbers) == 2:
            return dt.date(numbers[0], numbers[1], 1)
        if len(numbers) == 3:
            return dt.date(*numbers)
    except ValueError:
        pass
    raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)")


def full_window(since: dt.date | None = None, today: dt.date | None = None) -> DateWindow:
    """From ``since`` (or the first PubMed record) to a little past today."""
    end = (today or dt.date.today()) + FUTURE_MARGIN
    return DateWindow(since or EARLIEST_PUBMED_DATE, end)


def within_window(datetype: str, today: dt.date | None = None) -> DateWindow | None:
    """Every date of the type that cuts one day of ``datetype``; None when none does."""
    second = _SECOND_DATETYPE.get(datetype)
    if second is None:
        return None
    end = (today or dt.date.today()) + (PUBLICATION_MARGIN if second == "pdat"
                                          else FUTURE_MARGIN)
    return DateWindow(EARLIEST_PUBMED_DATE, end)


def within_term(query: str, datetype: str, within: DateWindow) -> str:
    """``query`` restricted to ``within`` on the date type that cuts ``datetype``'s days."""
    field = _TERM_FIELD[_SECOND_DATETYPE[datetype]]
    return f"({query}) AND {within.mindate}:{within.maxdate}[{field}]"


def bisect_window(window: DateWindow) -> tuple[DateWindow, DateWindow] | None:
    """The two halves of ``window`` (no day lost, none twice); None for one day."""
    if window.days < 2:
        return None
    middle = window.start + dt.timedelta(days=(window.days - 1) // 2)
    return (DateWindow(window.start, middle),
            DateWindow(middle + dt.timedelta(days=1), window.end))


def plan_windows(
    search: Callable[[SearchSlice], _R],
    window: DateWindow,
    *,
    limit: int = ESEARCH_MAX_RETMAX,
    first: _R | None = None,
    within: DateWindow | None = None,
) -> list[tuple[SearchSlice, _R]]:
    """Slices covering ``window``, oldest first, each with ``count <= limit``.

    ``search(s)`` runs the search restricted to slice ``s`` and returns
    something with a ``count``; each kept slice comes back with its own
    result, so a caller that searches with ``usehistory`` already holds the
    ids/WebEnv of every slice and spends no second request on it. Empty
    slices are dropped. ``first`` is the result for ``window`` when the
    caller already has it. A single day still too big is cut on ``within``
    (the second date type's whole range) when it is given.
    """
    kept: list[tuple[SearchSlice, _R]] = []
    stack: list[tuple[SearchSlice, _R | None]] = [(SearchSlice(window), first)]
    while stack:
        current, result = stack.pop()
        if result is None:
            result = search(current)
        if result.count == 0:
            continue
        if result.count <= limit:
            kept.append((current, result))
            continue
        stack.extend(reversed(_split(current, result.count, limit, within)))
    return kept


def _split(current: SearchSlice, count: int, limit: int,
           within: DateWindow | None) -> list[tuple[SearchSlice, None]]:
    """The two halves of a slice too big to search, earlier first."""
    if current.within is None:
        halves = bisect_window(current.window)
        if halves is not None:
            return [(SearchSlice(half), None) for half in halves]
        if within is not None:  # cut the day on the second date type
            return [(SearchSlice(current.window, half), None)
                    for half in bisect_window(within) or (within,)]
        raise SearchTooLarge(
            f"{count} PubMed records share the single day {current.window.mindate}; "
            f"more than the {limit} one search can return. Narrow the query.")
    inner = bisect_window(current.within)
    if inner is None:
        raise SearchTooLarge(
            f"{count} PubMed records share the single day {current.window.mindate} and, "
            f"within it, the single day {current.within.mindate} of a second date; more "
            f"than the {limit} one search can return. Narrow the query.")
    return [(SearchSlice(current.window, half), None) for half in inner]
