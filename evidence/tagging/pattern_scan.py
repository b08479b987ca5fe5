"""Which of the tagger's gated patterns may match a sentence, from one Hyperscan pass.

The tagger asks some forty sentence patterns (study statements, hedges,
search strategies, people, durations, ...) about each sentence, mostly to
hear "no". :class:`evidence.tagging.matcher.GatedPattern` used to rule a
pattern out with a few substring tests of its literal anchors, and ran the
regex whenever one occurred (anchors such as "we" or "us" occur in most
sentences). Here every gated pattern is compiled into one Hyperscan
database, in prefilter mode where it has lookarounds: one scan of a sentence
tells which patterns can match it, and only those run their regex. Answers
are never narrower than the regex's, so results do not change.

That holds where Hyperscan and Python read a pattern alike: printable ASCII
text (no tab, newline or control character, which ``\\s`` treats
differently) and patterns without a character that Python's IGNORECASE
equates with an ASCII letter. For other text, for patterns it does not take,
and wherever Hyperscan is not installed, :meth:`PatternScanner.hits` returns
None and the caller uses its substring tests. The set of patterns is fixed
at the first scan (the packaged rules are loaded by then); a pattern made
later keeps its substring tests.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from evidence.tagging import hyperscan_cache

try:
    import hyperscan
except ImportError:  # pragma: no cover - a platform without the wheel: substring tests
    hyperscan = None

# Python syntax Hyperscan would read differently: "{,3}" (Hyperscan: the literal text).
_PYTHON_ONLY = re.compile(r"\{,")
# A character class repeated up to tens of times ("[^.;]{0,80}?") costs Hyperscan about
# half a second to compile, in every process (two such rules doubled the start-up of an
# import's workers): those patterns keep their substring gates and run as regexes.
_SLOW_TO_COMPILE = re.compile(r"\]\{\d*,\d{2,}\}")
# Longer patterns (the number patterns, which spell out every number word) take
# Hyperscan up to half a second each to compile, in every process, and only run on
# the few sentences that cheaper gates let through: they keep their substring tests.
MAX_PATTERN_CHARS = 1000
# The last texts scanned, by identity: the tagger asks about one document's sentences
# many times over, and this many covers any abstract.
REMEMBERED_TEXTS = 128


class PatternScanner:
    """One Hyperscan database for many patterns; :meth:`hits` names those that may match."""

    def __init__(self) -> None:
        self._slots: dict[tuple[str, int], int] = {}
        self._sources: list[tuple[bytes, int]] = []
        self._database: object | None = None
        self._frozen = False
        self._lock = threading.Lock()
        self._local = threading.local()

    def slot(self, pattern: re.Pattern[str], folds_to_ascii: Callable[[str], bool]) -> int | None:
        """The slot :meth:`hits` reports ``pattern`` under, or None if it cannot.

        ``folds_to_ascii`` tells whether a non-ASCII character of the pattern
        matches an ASCII letter under IGNORECASE (Hyperscan would miss that).
        """
        if (hyperscan is None or self._frozen or len(pattern.pattern) > MAX_PATTERN_CHARS
                or _PYTHON_ONLY.search(pattern.pattern)
                or _SLOW_TO_COMPILE.search(pattern.pattern)):
            return None
        if pattern.flags & re.IGNORECASE and any(
                not char.isascii() and folds_to_ascii(char) for char in pattern.pattern):
            return None
        key = (pattern.pattern, pattern.flags)
        with self._lock:
            if self._frozen:
                return None
            found = self._slots.get(key)
            if found is None:
                found = self._slots[key] = len(self._sources)
                self._sources.append(_expression(pattern))
            return found

    def hits(self, text: str) -> set[int] | None:
        """The slots of the patterns that may match ``text``; None when only the regexes can tell.

        The answer for a pattern is never "no" where its regex would match.
        """
        local = self._local
        remembered = getattr(local, "remembered", None)
        if remembered is not None:  # asked before: no need to look at the text again
            held = remembered.get(id(text))
            if held is not None and held[0] is text:
                return held[1]
        if not (text.isascii() and text.isprintable()):
            return None
        database = self._database if self._frozen else self._freeze()
        if database is None:
            return None
        if remembered is None:
            remembered = local.remembered = {}
            local.scratch = hyperscan.Scratch(database)
        found: set[int] = set()
        add = found.add

        def on_match(slot: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            add(slot)

        database.scan(text.encode("ascii"), match_event_handler=on_match,  # type: ignore[attr-defined]
                      scratch=local.scratch)
        if len(remembered) >= REMEMBERED_TEXTS:
            remembered.clear()
        remembered[id(text)] = (text, found)
        return found

    def _freeze(self) -> object | None:
        """Compile every pattern given a slot so far, once; later ones get none."""
        with self._lock:
            if not self._frozen:
                sources = self._sources
                self._database = None if not sources else hyperscan_cache.cached_database(
                    repr(sources).encode(), lambda: _compile(sources))
                self._frozen = True
            return self._database


def _expression(pattern: re.Pattern[str]) -> tuple[bytes, int]:
    """The pattern as Hyperscan reads it: its source and Hyperscan's flags."""
    source = pattern.pattern
    if pattern.flags & re.VERBOSE:
        source = "(?x)" + source
    flags = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY
    if pattern.flags & re.IGNORECASE:
        flags |= hyperscan.HS_FLAG_CASELESS
    if pattern.flags & re.DOTALL:
        flags |= hyperscan.HS_FLAG_DOTALL
    if pattern.flags & re.MULTILINE:
        flags |= hyperscan.HS_FLAG_MULTILINE
    return source.encode("utf-8"), flags


def _compile(sources: list[tuple[bytes, int]]) -> object | None:
    """One database of every pattern Hyperscan takes, each as a prefilter where it must be.

    A pattern Hyperscan refuses outright is matched by an empty-matching stand-in
    under its slot, so :meth:`PatternScanner.hits` always reports it: its regex runs.
    """
    if not sources:
        return None
    expressions: list[bytes] = []
    flags: list[int] = []
    for source, own_flags in sources:
        for extra in (0, hyperscan.HS_FLAG_PREFILTER):
            try:
                hyperscan.Database().compile(expressions=[source], ids=[0], elements=1,
                                             flags=[own_flags | extra])
            except hyperscan.error:
                continue
            expressions.append(source)
            flags.append(own_flags | extra)
            break
        else:
            expressions.append(b"")  # matches everywhere (HS_FLAG_ALLOWEMPTY)
            flags.append(own_flags)
    database = hyperscan.Database()
    database.compile(expressions=expressions, ids=list(range(len(expressions))),
                     elements=len(expressions), flags=flags)
    return database


#: The scanner every :class:`~evidence.tagging.matcher.GatedPattern` shares.
SENTENCE_PATTERNS = PatternScanner()
