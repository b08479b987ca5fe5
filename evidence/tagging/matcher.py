"""Fast whole-word matching of many regex fragments.

Python's ``re`` tries every branch of a large alternation at every character,
which made one lexicon scan cost milliseconds. Every term here starts at a
word start, so :class:`TermMatcher` works out (with ``re``'s own parser) which
two-letter prefixes each term can begin with, finds the word starts with such
a prefix in one C-level scan, and there tries only the terms that share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

try:  # the parser ``re`` itself uses; private, so degrade gracefully without it
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python implementations
    _sre_parser = None
    _sre_constants = None

_WORD_START = re.compile(r"(?<!\w)\w")
_ANY = "\0any"  # bucket for terms whose first character could not be determined
_MAX_RANGE = 64  # a wider character class is treated as "any character"
_MAX_PREFIXES = 512  # more alternatives than this and the term goes to the "any" bucket
PREFIX_LENGTH = 2  # terms are grouped by their first two characters


@dataclass(frozen=True, slots=True)
class Term:
    """One regex fragment matched as a whole word, reported under ``group``."""

    group: str
    pattern: str
    case_sensitive: bool = False


def _prefixes(fragment: str, case_sensitive: bool) -> set[str] | None:
    """Lower-cased strings of up to ``PREFIX_LENGTH`` characters a match must start with.

    None when the parser cannot tell (a wide character class, ``.``), or when
    a match could be empty.
    """
    if _sre_parser is None:
        return None
    try:
        parsed = _sre_parser.parse(fragment, 0 if case_sensitive else re.IGNORECASE)
    except re.error:
        return None
    found = _sequence(list(parsed))
    if found is None or "" in found:
        return None
    return found


def _sequence(items: list[Any]) -> set[str] | None:
    current = {""}
    for op, av in items:
        if all(len(prefix) >= PREFIX_LENGTH for prefix in current):
            break
        options = _item(op, av)
        if options is None:
            return None
        current = {
            prefix if len(prefix) >= PREFIX_LENGTH else (prefix + option)[:PREFIX_LENGTH]
            for prefix in current
            for option in options
        }
        if len(current) > _MAX_PREFIXES:
            return None
    return current


def _item(op: Any, av: Any) -> set[str] | None:
    c = _sre_constants
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
        return {""}  # zero width
    if op == c.LITERAL:
        return {chr(av).lower()}
    if op == c.IN:
        chars: set[str] = set()
        for item_op, item_av in av:
            if item_op == c.LITERAL:
                chars.add(chr(item_av).lower())
            elif item_op == c.RANGE and item_av[1] - item_av[0] <= _MAX_RANGE:
                chars.update(chr(code).lower() for code in range(item_av[0], item_av[1] + 1))
            else:
                return None
        return chars
    if op == c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op == c.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            found = _sequence(list(branch))
            if found is None:
                return None
            union |= found
        return union
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        once = _sequence(list(body))
        if once is None:
            return None
        result = {""} if low == 0 else set()
        repeated = {""}
        for count in range(1, PREFIX_LENGTH + 1):
            if count > high:
                break
            repeated = {(a + b)[:PREFIX_LENGTH] for a in repeated for b in once}
            if count >= low or count == PREFIX_LENGTH:
                result |= repeated
        return result
    return None


class TermMatcher:
    """Find non-overlapping whole-word matches of many terms, leftmost first.

    A match reports the ``group`` of its term as ``match.lastgroup``; among
    terms matching at the same word start, the one listed first wins, as in
    a plain alternation. Terms must start with a word character.
    """

    def __init__(self, terms: Sequence[Term], flags: int = re.IGNORECASE) -> None:
        buckets: dict[str, list[tuple[int, Term]]] = {}
        for order, term in enumerate(terms):
            prefixes = _prefixes(term.pattern, term.case_sensitive)
            for key in sorted(prefixes) if prefixes else [_ANY]:
                buckets.setdefault(key, []).append((order, term))
        self._any = _compile_bucket(buckets.pop(_ANY, []), flags)
        self._buckets = {key: _compile_bucket(entries, flags) for key, entries in buckets.items()}
        self._short = any(len(key) < PREFIX_LENGTH for key in buckets)
        # Word starts worth a look, found by re in C rather than by a Python loop.
        if self._any is not None or not buckets:
            self._starts = _WORD_START
        else:
            # A class pair, not an alternation of prefixes: re scans classes far faster.
            first = "".join(sorted({re.escape(key[0]) for key in buckets}))
            second = "".join(sorted({re.escape(key[1]) for key in buckets if len(key) > 1}))
            pair = f"[{first}][{second}]" if second and not self._short else f"[{first}]"
            self._starts = re.compile(rf"(?<!\w){pair}", re.IGNORECASE)

    def search(self, text: str, position: int = 0) -> re.Match[str] | None:
        """The first match starting at a word start at or after ``position``."""
        buckets, fallback = self._buckets, self._any
        for start in self._starts.finditer(text, position):
            at = start.start()
            pattern = buckets.get(text[at : at + PREFIX_LENGTH].lower())
            match = pattern.match(text, at) if pattern is not None else None
            if match is None and self._short:
                pattern = buckets.get(text[at].lower())
                match = pattern.match(text, at) if pattern is not None else None
            if match is None and fallback is not None:
                match = fallback.match(text, at)
            if match is not None and match.end() > at:
                return match
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every non-overlapping match, leftmost first."""
        position = 0
        while (match := self.search(text, position)) is not None:
            yield match
            position = match.end()

    @staticmethod
    def group(match: re.Match[str]) -> str:
        """The ``group`` of the term that produced ``match``."""
        assert match.lastgroup is not None
        return match.lastgroup


def _compile_bucket(entries: list[tuple[int, Term]], flags: int) -> re.Pattern[str] | None:
    if not entries:
        return None
    by_group: dict[str, list[str]] = {}
    for _order, term in sorted(entries, key=lambda entry: entry[0]):
        body = rf"(?:{term.pattern})(?!\w)"
        if term.case_sensitive:
            body = f"(?-i:{body})"
        by_group.setdefault(term.group, []).append(body)
    return re.compile("|".join(f"(?P<{group}>{'|'.join(bodies)})"
                               for group, bodies in by_group.items()), flags)
