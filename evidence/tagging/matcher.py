"""Fast whole-word matching of many regex fragments.

Python's ``re`` tries every branch of a large alternation at every character,
which made one lexicon scan cost milliseconds. Every term here starts at a
word start, so :class:`TermMatcher` works out (with ``re``'s own parser) which
two-letter prefixes each term can begin with and, at a word start, tries only
the terms that share the two letters there.

Which word starts are worth that look is decided in C, not in a Python loop
over every word: each term also yields *anchors*, the literal text (up to
:data:`ANCHOR_LENGTH` characters) that any match of it must begin with, and
a :class:`StartFinder` compiles the anchors of one or several matchers into
one pattern that reports the word starts where some anchor occurs. The tagger
runs one finder for all its lexicons once per text (:meth:`StartFinder.starts`)
and hands the positions to every :meth:`TermMatcher.search`; a finder only
ever skips word starts where no term can match, so results do not change.

The same anchors make :class:`GatedPattern`: a compiled pattern that answers
"no match" without running when (ASCII) text holds none of its anchors, and
otherwise may run without IGNORECASE over the lower-cased text where that is
provably the same search. Both rely on ``re``'s own parser (``re._parser``,
private): without it every word start is tried and every pattern runs, as before.
"""

from __future__ import annotations

import array
import re
import sys
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from evidence.tagging.literal_scan import WordStartScanner
from evidence.tagging.pattern_scan import REMEMBERED_TEXTS, SENTENCE_PATTERNS

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


def _class_chars(av: Any) -> set[str] | None:
    """Lower-cased characters of a character class; None when it is too wide to list."""
    c = _sre_constants
    chars: set[str] = set()
    for item_op, item_av in av:
        if item_op == c.LITERAL:
            chars.add(chr(item_av).lower())
        elif item_op == c.RANGE and item_av[1] - item_av[0] <= _MAX_RANGE:
            chars.update(chr(code).lower() for code in range(item_av[0], item_av[1] + 1))
        else:
            return None
    return chars


def _item(op: Any, av: Any) -> set[str] | None:
    c = _sre_constants
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
        return {""}  # zero width
    if op == c.LITERAL:
        return {chr(av).lower()}
    if op == c.IN:
        return _class_chars(av)
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


# Anchors: the literal text every match of a term begins with.
ANCHOR_LENGTH = 8  # longer anchors are cut: eight letters single out a term well enough
_MAX_ANCHORS = 256  # more alternatives than this and the open anchors are cut where they are
# Where an anchor stands after reading part of a term: it may grow with the next
# item (OPEN), nothing after it is known (CUT), or the term's match ends there (END).
_OPEN, _CUT, _END = 0, 1, 2
_Anchors = frozenset[tuple[str, int]]


def anchors(fragment: str, flags: int = 0) -> _Anchors | None:
    """``(text, state)`` pairs: every match of ``fragment`` begins with one ``text``.

    Texts are lower-cased and compared case-insensitively (``re``'s own rules),
    so they hold for case-sensitive terms as well (``flags`` are those the
    fragment is compiled with: only VERBOSE changes the parse). A state of ``_END`` means
    the match ends right after the text (the term is that literal word). None
    when the parser is missing or a match could begin with anything.
    """
    if _sre_parser is None:
        return None
    try:
        parsed = _sre_parser.parse(fragment, flags | re.IGNORECASE)
    except re.error:
        return None
    found = _anchor_sequence(list(parsed))
    if any(text == "" for text, _state in found):
        return None
    return frozenset((text, _END if state == _OPEN else state) for text, state in found)


def _anchor_sequence(items: list[Any]) -> set[tuple[str, int]]:
    current: set[tuple[str, int]] = {("", _OPEN)}
    for op, av in items:
        if not any(state == _OPEN for _text, state in current):
            break
        options = _anchor_item(op, av)
        if options is None or len(current) * len(options) > _MAX_ANCHORS:
            return {(text, _CUT) for text, _state in current}  # cut here: still a true prefix
        current = _concat(current, options)
    return current


def _concat(current: set[tuple[str, int]], options: set[tuple[str, int]]) -> set[tuple[str, int]]:
    joined: set[tuple[str, int]] = set()
    for text, state in current:
        if state != _OPEN:
            joined.add((text, state))
            continue
        for more, more_state in options:
            combined = text + more
            if len(combined) >= ANCHOR_LENGTH:
                joined.add((combined[:ANCHOR_LENGTH], _CUT))
            else:
                joined.add((combined, more_state))
    return joined


def _anchor_item(op: Any, av: Any) -> set[tuple[str, int]] | None:
    c = _sre_constants
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
        return {("", _OPEN)}  # zero width: constrains nothing we rely on
    if op == c.LITERAL:
        char = chr(av).lower()
        return {(char, _OPEN)} if len(char) == 1 else None
    if op == c.IN:
        chars = _class_chars(av)
        if chars is None or any(len(char) != 1 for char in chars):
            return None
        return {(char, _OPEN) for char in chars}
    if op == c.SUBPATTERN:
        return _anchor_sequence(list(av[-1]))
    if op == c.BRANCH:
        union: set[tuple[str, int]] = set()
        for branch in av[1]:
            union |= _anchor_sequence(list(branch))
        return union
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        once = _anchor_sequence(list(body))
        if any(text == "" for text, _state in once):
            return None  # the body may match nothing: leave it to the full pattern
        result = {("", _OPEN)} if low == 0 else set()
        repeated: set[tuple[str, int]] = {("", _OPEN)}
        count = 0
        while count < high:
            count += 1
            repeated = _concat(repeated, once)
            if len(repeated) > _MAX_ANCHORS:
                return None
            if count >= low:
                result |= repeated
            if not any(state == _OPEN for _text, state in repeated):
                # Cut or full-length anchors: more repetitions cannot change them.
                result |= repeated
                break
        return result
    return None


_VARIANTS: dict[str, str] = {}  # character -> what re matches to it under IGNORECASE


def _case_variants(alphabet: frozenset[str]) -> dict[str, str]:
    """Every character ``re`` matches case-insensitively to each character of ``alphabet``.

    Found by letting ``re`` itself scan all of Unicode (about 60 ms, once per
    process for all of printable ASCII, again only for a new non-ASCII
    character), so that the finders, which do not use IGNORECASE, accept
    exactly what the terms do: "s" also matches U+017F LATIN SMALL LETTER
    LONG S, "k" the Kelvin sign.
    """
    missing = alphabet - _VARIANTS.keys()
    if missing:
        missing |= {chr(code) for code in range(32, 127)} - _VARIANTS.keys()
        codes = array.array("I", range(sys.maxunicode + 1)).tobytes()
        everything = codes.decode(f"utf-32-{sys.byteorder[0]}e", "surrogatepass")
        klass = "".join(sorted(re.escape(char) for char in missing))
        found = set(re.compile(f"[{klass}]", re.IGNORECASE).findall(everything))
        for char in missing:
            _VARIANTS[char] = "".join(sorted(
                other for other in found if re.fullmatch(re.escape(char), other, re.IGNORECASE)
            ))
    return {char: _VARIANTS[char] for char in alphabet}


# The characters beyond ASCII that IGNORECASE matches to an ASCII letter (the long s,
# the dotless i, the Kelvin sign, ...): found by re itself, as _case_variants does.
_FOLDS_INTO_ASCII = re.compile("[" + "".join(sorted({
    re.escape(other) for variants in _case_variants(frozenset(map(chr, range(32, 127)))).values()
    for other in variants if not other.isascii()})) + "]")


def _folds_to_ascii(char: str) -> bool:
    """Whether ``re`` matches ``char`` to an ASCII letter under IGNORECASE (the long s)."""
    return any(other.isascii() for other in _case_variants(frozenset(char))[char])


def _char_class(chars: str) -> str:
    return re.escape(chars) if len(chars) == 1 else f"[{''.join(map(re.escape, chars))}]"


def _trie_pattern(texts: dict[str, int], variants: dict[str, str]) -> str:
    """One regex accepting each anchor text (``_END`` ones only as a whole word)."""
    trie: dict[str, Any] = {}
    for text, state in texts.items():
        node = trie
        for char in text:
            node = node.setdefault(char, {})
        # A cut anchor accepts anything after it; a word end only a non-word character.
        node[""] = min(node.get("", _END), state)

    def emit(node: dict[str, Any]) -> str:
        if node.get("") == _CUT:
            return ""
        branches = [_char_class(variants[char]) + emit(child)
                    for char, child in sorted(node.items()) if char]
        if "" in node:
            branches.append(r"(?!\w)")
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return emit(trie)


def _regex_finder(texts: dict[str, int]) -> re.Pattern[str]:
    """A pattern whose matches start at the word starts where one of ``texts`` occurs."""
    variants = _case_variants(frozenset("".join(texts)))
    # The first character as a class on its own lets re skip ahead in C; the
    # lookbehinds then keep word starts whose text continues as some anchor.
    first = "".join(sorted({other for text in texts for other in variants[text[0]]}))
    trie = _trie_pattern(texts, variants)
    return re.compile(rf"{_char_class(first)}(?<!\w.)(?<=(?={trie}).)", re.DOTALL)


class StartFinder:
    """Finds, in C, the word starts where an anchor of one of its matchers occurs.

    One finder covering every lexicon runs once per text; its positions are
    a superset of each matcher's, which :meth:`TermMatcher.search` narrows
    down by a dictionary lookup per position.
    """

    def __init__(self, matchers: Iterable[TermMatcher]) -> None:
        texts: dict[str, int] | None = {}
        for matcher in matchers:
            if matcher.anchors is None:
                texts = None
                break
            for text, state in matcher.anchors:
                texts[text] = min(texts.get(text, _END), state)  # _CUT accepts more than _END
        self._build(texts)

    @classmethod
    def for_texts(cls, *, prefixes: Iterable[str] = (), words: Iterable[str] = ()) -> StartFinder:
        """A finder for word starts that begin with one of ``prefixes`` or hold one of
        ``words`` as a whole word (case-insensitively, as the terms match)."""
        texts = {text.lower(): _CUT for text in prefixes}
        for word in words:
            texts.setdefault(word.lower(), _END)
        finder = cls.__new__(cls)
        finder._build(texts)
        return finder

    def _build(self, texts: dict[str, int] | None) -> None:
        everywhere = texts is None
        self._pattern = _WORD_START if everywhere or not texts else _regex_finder(texts)
        # The same answer in one Hyperscan pass where it can give it (literal_scan).
        self._scanner = None if everywhere or not texts else WordStartScanner.build(
            {text: state == _END for text, state in texts.items()},
            _case_variants(frozenset("".join(texts))))
        self._remembered: dict[int, tuple[str, list[int]]] = {}

    def starts_remembered(self, text: str) -> list[int]:
        """:meth:`starts`, kept for the last texts asked about (by identity): several
        patterns ask about each sentence of one document, in turn."""
        remembered = self._remembered
        held = remembered.get(id(text))
        if held is not None and held[0] is text:
            return held[1]
        found = self.starts(text)
        if len(remembered) >= REMEMBERED_TEXTS:
            remembered.clear()
        remembered[id(text)] = (text, found)
        return found

    def starts(self, text: str) -> list[int]:
        """The sorted word starts of ``text`` where a term may match."""
        if self._scanner is not None:
            found = self._scanner.starts(text)
            if found is not None:
                return found
        return self.regex_starts(text)

    def regex_starts(self, text: str) -> list[int]:
        """:meth:`starts` by the regular expression alone (the reference route)."""
        return [match.start() for match in self._pattern.finditer(text)]


_MAX_NEEDLES = 24  # more literals than this and the gate would cost more than it saves


class GatedPattern:
    """A compiled pattern that first checks, cheaply, whether it can match at all.

    Every match begins with one of the pattern's anchors (literal text, see
    :func:`anchors`). In ASCII text, where ``str.lower`` and IGNORECASE agree
    exactly, a pattern none of whose anchors occurs in the lower-cased text
    cannot match, and a few substring tests in C replace a regex scan that
    costs tens of nanoseconds per character. Other text, and patterns that
    may begin with anything (a digit class, say), always run the regex.

    :meth:`has_match` goes further for a yes/no answer: a pattern written in
    lower case runs without IGNORECASE over the lower-cased ASCII text, where
    ``re`` can use its fast literal checks (up to ten times faster).
    """

    __slots__ = ("_begins", "_gated", "_lowered", "_needles", "_needles_beyond_ascii", "_slot",
                 "pattern")

    def __init__(self, pattern: re.Pattern[str], begins_at: StartFinder | None = None) -> None:
        """``begins_at``, when given, finds in ASCII text every place a match of
        ``pattern`` can begin (the caller's promise, which the tests check): the
        pattern is then tried only there, not at every character."""
        self.pattern = pattern
        self._begins = begins_at
        self._needles, self._needles_beyond_ascii = _ascii_needles(pattern)
        self._lowered = _lowered_twin(pattern)
        # A place in the shared Hyperscan pass over each sentence (pattern_scan).
        self._slot = SENTENCE_PATTERNS.slot(pattern, _folds_to_ascii)
        self._gated = self._needles is not None or self._slot is not None

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """:meth:`re.Pattern.search`, None at once when the gate rules a match out."""
        if self._gated and self._ruled_out(text):
            return None
        return self.pattern.search(text, pos, endpos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """:meth:`re.Pattern.finditer`, empty at once when the gate rules a match out."""
        if self._gated and self._ruled_out(text):
            return iter(())
        return self.pattern.finditer(text)

    def find_all(self, text: str) -> Iterator[Found]:
        """The matches :meth:`finditer` gives, as :class:`Found` (spans and groups of ``text``).

        In ASCII text they may come from the lower-cased twin of the pattern,
        which steps through exactly the same comparisons: the spans are the
        same, and the groups are read from ``text``, so they are too.
        """
        if self._gated and self._ruled_out(text):
            return iter(())
        if not text.isascii():
            return (Found(match, text) for match in self.pattern.finditer(text))
        return (Found(match, text) for match in self._ascii_matches(text))

    def has_match(self, text: str) -> bool:
        """``bool(self.search(text))``, by the cheapest route that gives the same answer."""
        if self._gated and self._ruled_out(text):
            return False
        if not text.isascii():
            return self.pattern.search(text) is not None
        if self._begins is not None:
            return next(iter(self._ascii_matches(text)), None) is not None
        if self._lowered is not None:
            return self._lowered.search(_lower(text)) is not None
        return self.pattern.search(text) is not None

    def _ascii_matches(self, text: str) -> Iterable[re.Match[str]]:
        """``finditer`` over ASCII ``text``: the lower-cased twin where there is one, and
        only at the places ``begins_at`` finds where it was given."""
        pattern, subject = ((self.pattern, text) if self._lowered is None
                            else (self._lowered, _lower(text)))
        if self._begins is None:
            return pattern.finditer(subject)
        return self._matches_at(pattern, subject, self._begins.starts_remembered(text))

    @staticmethod
    def _matches_at(pattern: re.Pattern[str], subject: str,
                    starts: Sequence[int]) -> Iterator[re.Match[str]]:
        """What ``pattern.finditer(subject)`` gives when matches can only begin at ``starts``:
        leftmost first, each search going on from the end of the last match."""
        end = 0
        match_at = pattern.match
        for at in starts:
            if at < end:
                continue
            match = match_at(subject, at)
            if match is not None:
                if match.end() == at:  # an empty match: finditer's own rules apply
                    yield from pattern.finditer(subject, at)
                    return
                yield match
                end = match.end()

    def _ruled_out(self, text: str) -> bool:
        """True only if the pattern cannot match ``text``: :meth:`may_match` where it holds.

        Beyond ASCII it holds for the substring tests when every anchor is
        ASCII text, unless the text has one of the few characters that
        IGNORECASE equates with an ASCII letter (:data:`_FOLDS_INTO_ASCII`):
        every other character's match of an ASCII anchor is its lower case, as
        in ASCII text.
        """
        if text.isascii():
            return not self.may_match(text)
        if not self._needles_beyond_ascii or _FOLDS_INTO_ASCII.search(text) is not None:
            return False
        return not self._holds_needle(text)

    def may_match(self, text: str) -> bool:
        """False only if the pattern cannot match ``text`` (ASCII).

        Hyperscan's one pass over the sentence answers where it can; otherwise
        the text must hold one of the anchors.
        """
        if self._slot is not None:
            hits = SENTENCE_PATTERNS.hits(text)
            if hits is not None:
                return self._slot in hits
        return self._needles is None or self._holds_needle(text)

    def _holds_needle(self, text: str) -> bool:
        lowered = _lower(text)
        for needle in self._needles or ():  # noqa: SIM110 - no generator per call on this hot path
            if needle in lowered:
                return True
        return False


class Found:
    """A match's spans, with its groups read from the original text.

    :meth:`GatedPattern.find_all` may find a match in the lower-cased text;
    this gives the groups as the original text has them.
    """

    __slots__ = ("_match", "_text")

    def __init__(self, match: re.Match[str], text: str) -> None:
        self._match, self._text = match, text

    def start(self, group: int | str = 0) -> int:
        return self._match.start(group)

    def end(self, group: int | str = 0) -> int:
        return self._match.end(group)

    def group(self, group: int | str = 0) -> str | None:
        start, end = self._match.span(group)
        return self._text[start:end] if start >= 0 else None

    __getitem__ = group

    def has_group(self, name: str) -> bool:
        """Whether the pattern defines group ``name`` (matched or not)."""
        return name in self._match.re.groupindex


_LAST_LOWERED: tuple[str, str] = ("", "")


def _lower(text: str) -> str:
    """``text.lower()``, remembered for the last text: several gates ask about one sentence."""
    global _LAST_LOWERED
    last = _LAST_LOWERED  # one tuple, swapped whole: safe without a lock
    if last[0] is text:
        return last[1]
    lowered = text.lower()
    _LAST_LOWERED = (text, lowered)
    return lowered


def _lowered_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` without IGNORECASE, if on lower-cased ASCII text it answers the same.

    It does when the pattern is case-insensitive throughout and every
    character it names is already lower case: an IGNORECASE comparison of an
    ASCII character is then a comparison of its lower case.
    """
    if _sre_parser is None or not pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - it compiled once already
        return None
    if not _lower_case_only(list(parsed)):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def _lower_case_only(items: list[Any]) -> bool:
    c = _sre_constants
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL):
            if not _same_in_lower_case(chr(av)):
                return False
        elif op == c.IN:
            chars = ""
            for item_op, item_av in av:
                if item_op in (c.LITERAL, c.NOT_LITERAL):
                    chars += chr(item_av)
                elif item_op == c.RANGE and item_av[1] - item_av[0] <= _MAX_CHECKED_RANGE:
                    chars += "".join(map(chr, range(item_av[0], item_av[1] + 1)))
                elif item_op not in (c.CATEGORY, c.NEGATE):
                    return False
            # A class may name upper-case ASCII letters if it names their lower case
            # too ([A-Za-z]): with IGNORECASE it holds the same lower-case letters.
            upper = {char for char in chars if char.isascii() and char.lower() != char}
            if any(char.lower() not in chars for char in upper):
                return False
            if not _same_in_lower_case("".join(set(chars) - upper)):
                return False
        elif op == c.SUBPATTERN:
            if av[2] & re.IGNORECASE or not _lower_case_only(list(av[-1])):
                return False  # (?-i:...) is case-sensitive: lowering the text would change it
        elif op == c.BRANCH:
            if not all(_lower_case_only(list(branch)) for branch in av[1]):
                return False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            if not _lower_case_only(list(av[2])):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if not _lower_case_only(list(av[1])):
                return False
        elif op not in (c.AT, c.ANY, c.GROUPREF):
            return False  # anything else: do not guess
    return True


def _same_in_lower_case(chars: str) -> bool:
    """True if, in ASCII text, each of ``chars`` matches the same with IGNORECASE as without
    it in the lower-cased text: an ASCII character that is not upper case, or another that
    ``re`` never equates with an ASCII one (unlike the long s or the Kelvin sign)."""
    if chars.isascii():
        return chars.lower() == chars
    if chars.lower() != chars:
        return False
    variants = _case_variants(frozenset(chars))
    return not any(other.isascii() for others in variants.values() for other in others)


_MAX_CHECKED_RANGE = 0x3000  # wider ranges in a lower-case-only pattern are not worth the check


def _ascii_needles(pattern: re.Pattern[str]) -> tuple[tuple[str, ...] | None, bool]:
    """The anchors of ``pattern`` as they read in lower-cased ASCII text (None: no gate),
    and whether they are all of its anchors: an anchor that needs a character beyond
    ASCII ("μm") cannot occur in ASCII text, but it can in other text."""
    found = anchors(pattern.pattern, pattern.flags & re.VERBOSE)
    if found is None:
        return None, False
    texts = {text for text, _state in found}
    variants = _case_variants(frozenset("".join(texts)))
    needles: set[str] = set()
    complete = True
    for text in texts:
        forms = [[other.lower() for other in variants[char] if other.isascii()] for char in text]
        if all(forms):
            needles.add("".join(options[0] for options in forms))
        else:  # the anchor needs a non-ASCII character: never in ASCII text
            complete = False
    if any(len(needle) < 2 for needle in needles):
        return None, False  # a single letter is in every text
    # A needle containing another is implied by it.
    kept = tuple(sorted(n for n in needles if not any(o != n and o in n for o in needles)))
    return (kept, complete) if len(kept) <= _MAX_NEEDLES else (None, False)


class TermMatcher:
    """Find non-overlapping whole-word matches of many terms, leftmost first.

    A match reports the ``group`` of its term as ``match.lastgroup``; among
    terms matching at the same word start, the one listed first wins, as in
    a plain alternation. Terms must start with a word character.
    """

    def __init__(self, terms: Sequence[Term], flags: int = re.IGNORECASE) -> None:
        buckets: dict[str, list[tuple[int, Term]]] = {}
        found: set[tuple[str, int]] | None = set()
        for order, term in enumerate(terms):
            prefixes = _prefixes(term.pattern, term.case_sensitive)
            for key in sorted(prefixes) if prefixes else [_ANY]:
                buckets.setdefault(key, []).append((order, term))
            if found is not None:
                term_anchors = anchors(term.pattern)
                found = found | term_anchors if term_anchors is not None else None
        # Every match begins with one of these; None: a match may begin anywhere.
        self.anchors: frozenset[tuple[str, int]] | None = (
            frozenset(found) if found is not None else None
        )
        self._any = _compile_bucket(buckets.pop(_ANY, []), flags)
        self._buckets = {key: _compile_bucket(entries, flags) for key, entries in buckets.items()}
        self._short = any(len(key) < PREFIX_LENGTH for key in buckets)
        self._finder: StartFinder | None = None  # compiled on first use without ``starts``

    def search(
        self, text: str, position: int = 0, starts: Sequence[int] | None = None
    ) -> re.Match[str] | None:
        """The first match starting at a word start at or after ``position``.

        ``starts``, when given, are the sorted word starts of ``text`` worth a
        look (from a :class:`StartFinder` covering this matcher); otherwise
        this matcher's own finder scans ``text``.
        """
        if starts is None:
            starts = self.starts(text)
        match_at = self.match_at
        for at in islice(starts, bisect_left(starts, position), None):
            match = match_at(text, at)
            if match is not None:
                return match
        return None

    def match_at(self, text: str, at: int) -> re.Match[str] | None:
        """The match at word start ``at``: the first listed term of the bucket there."""
        pattern = self._buckets.get(text[at : at + PREFIX_LENGTH].lower())
        match = pattern.match(text, at) if pattern is not None else None
        if match is None and self._short:
            pattern = self._buckets.get(text[at].lower())
            match = pattern.match(text, at) if pattern is not None else None
        if match is None and self._any is not None:
            match = self._any.match(text, at)
        return match if match is not None and match.end() > at else None

    def starts(self, text: str) -> list[int]:
        """The word starts of ``text`` where one of this matcher's terms may match."""
        if self._finder is None:
            self._finder = StartFinder([self])
        return self._finder.starts(text)

    def finditer(self, text: str, starts: Sequence[int] | None = None) -> Iterator[re.Match[str]]:
        """Every non-overlapping match, leftmost first."""
        if starts is None:
            starts = self.starts(text)
        position = 0
        while (match := self.search(text, position, starts)) is not None:
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
