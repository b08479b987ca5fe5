"""Splitting a big PubMed search into date windows that each fit in one esearch.

PubMed's esearch (and efetch from its history) reaches only the first 9,999
records of a search. A search with more hits is cut into windows on the
chosen date type (entrez date ``edat`` or modification date ``mdat``) by
bisection until every window's count fits, so nothing is silently capped.

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
    "SearchTooLarge",
    "bisect_window",
    "format_ncbi_date",
    "full_window",
    "parse_date",
    "plan_windows",
]

# The oldest PubMed citations are from the 1780s; starting a little earlier
# costs one bisection step and cannot miss anything.
EARLIEST_PUBMED_DATE = dt.date(1700, 1, 1)
# NCBI stamps dates in US Eastern time; looking two days past our "today"
# covers any time zone and a record added while the search runs.
FUTURE_MARGIN = dt.timedelta(days=2)


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


def bisect_window(window: DateWindow) -> tuple[DateWindow, DateWindow] | None:
    """The two halves of ``window`` (no day lost, none twice); None for one day."""
    if window.days < 2:
        return None
    middle = window.start + dt.timedelta(days=(window.days - 1) // 2)
    return (DateWindow(window.start, middle),
            DateWindow(middle + dt.timedelta(days=1), window.end))


def plan_windows(
    search: Callable[[DateWindow], _R],
    window: DateWindow,
    *,
    limit: int = ESEARCH_MAX_RETMAX,
    first: _R | None = None,
) -> list[tuple[DateWindow, _R]]:
    """Windows covering ``window``, oldest first, each with ``count <= limit``.

    ``search(w)`` runs the search restricted to ``w`` and returns something
    with a ``count``; each kept window comes back with its own result, so a
    caller that searches with ``usehistory`` already holds the ids/WebEnv of
    every window and spends no second request on it. Empty windows are
    dropped. ``first`` is the result for ``window`` when the caller already
    has it.
    """
    kept: list[tuple[DateWindow, _R]] = []
    stack: list[tuple[DateWindow, _R | None]] = [(window, first)]
    while stack:
        current, result = stack.pop()
        if result is None:
            result = search(current)
        if result.count == 0:
            continue
        if result.count <= limit:
            kept.append((current, result))
            continue
        halves = bisect_window(current)
        if halves is None:
            raise SearchTooLarge(
                f"{result.count} PubMed records share the single day {current.mindate}; "
                f"more than the {limit} one search can return. Narrow the query.")
        # Push the later half first so the earlier half is searched first.
        stack.append((halves[1], None))
        stack.append((halves[0], None))
    return kept
