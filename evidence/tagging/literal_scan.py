"""Word starts where one of many literal anchors begins, found by Hyperscan.

:class:`evidence.tagging.matcher.StartFinder` asks one question of every
text: at which word starts does some term's anchor (its literal first
characters) occur? Its regular expression has to visit every letter of the
text, about 110 us an abstract; Hyperscan compiles all the anchors into one
automaton and answers in a few microseconds.

Hyperscan reads bytes and folds ASCII case only, while the terms are matched
with Python's Unicode rules. So it scans an ASCII stand-in of the same length:
each non-ASCII word character becomes ``x`` and every other non-ASCII
character ``\\x01``, which keeps every word start where it is. That stand-in
gives exactly the regex's answer unless the text holds a character that some
anchor contains or that ``re`` equates with an anchor's letter (the long s,
the Kelvin sign, Greek alpha); for such a text, and wherever Hyperscan is not
installed, :meth:`WordStartScanner.starts` returns None and the caller uses
its regex. The tests compare both routes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

from evidence.tagging import hyperscan_cache

try:
    import hyperscan
except ImportError:  # pragma: no cover - a platform without the wheel: the regex route
    hyperscan = None

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_WORD_STAND_IN = "\x01"  # no anchor holds it, and like the character it replaces it is \W


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    return "x" if char.isalnum() or char == "_" else _NON_WORD_STAND_IN


class WordStartScanner:
    """The word starts of a text where one of ``anchors`` begins, by one Hyperscan pass."""

    def __init__(self, database: object, risky: re.Pattern[str] | None) -> None:
        self._database = database
        self._risky = risky
        self._local = threading.local()  # Hyperscan scratch space is per thread

    @classmethod
    def build(cls, anchors: Mapping[str, bool], variants: Mapping[str, str]
              ) -> WordStartScanner | None:
        """A scanner for ``anchors`` (text to "must be followed by a non-word character").

        ``variants`` maps each character of the anchors to every character
        ``re`` matches to it under IGNORECASE. None when Hyperscan is missing.
        """
        if hyperscan is None or not anchors:
            return None
        risky = {char for text in anchors for char in text if not char.isascii()}
        risky |= {other for others in variants.values() for other in others
                  if not other.isascii()}
        # Sorted: the anchors may come from a set, whose order differs from one process to
        # the next, and the cached database is found by its expressions.
        expressions = sorted(
            rb"\b" + re.escape(text).encode("ascii") + (rb"(?:\W|$)" if whole_word else b"")
            for text, whole_word in anchors.items() if text.isascii()
        )
        flags = [hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SOM_LEFTMOST] * len(expressions)

        def compile_database() -> object:
            database = hyperscan.Database()
            database.compile(expressions=expressions, ids=list(range(len(expressions))),
                             elements=len(expressions), flags=flags)
            return database

        database = hyperscan_cache.cached_database(repr((expressions, flags)).encode(),
                                                   compile_database)
        pattern = re.compile("[" + "".join(map(re.escape, sorted(risky))) + "]") if risky else None
        return cls(database, pattern)

    def starts(self, text: str) -> list[int] | None:
        """Sorted word starts where an anchor begins; None when only the regex can tell."""
        if not text.isascii():
            if self._risky is not None and self._risky.search(text):
                return None
            text = _NON_ASCII.sub(_stand_in, text)
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        found: set[int] = set()
        add = found.add

        def on_match(_id: int, start: int, _end: int, _flags: int, _context: object) -> None:
            add(start)

        self._database.scan(text.encode("ascii"), match_event_handler=on_match,
                            scratch=scratch)
        return sorted(found)
