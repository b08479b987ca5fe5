"""The full-text search box, read the way PubMed users write it.

Words must all occur (stemmed, as the full-text index stems them); ``"a phrase"``
must occur as written; ``OR`` between two terms takes either; ``NOT`` (or ``-``)
before a term leaves out the studies that have it; ``AND`` is the default and may
be written; ``word*`` is every word it begins; parentheses group
(``(minoxidil OR finasteride) AND NOT prp``, ``-(laser OR led)``). PubMed's field tags
are set aside (``minoxidil[tiab]``): title and abstract are what is searched. Operators are
upper case, as in PubMed: ``not`` and ``or`` are words. Without parentheses ``OR``
joins the two terms beside it ("hair density OR thickness" is hair, and density or
thickness), so a search written before groups were read finds what it found then.

Pure: the result is a tree of :class:`Term`, :class:`AllOf`, :class:`AnyOf` and
:class:`Not` that :mod:`evidence.queries` turns into SQLite FTS5 or PostgreSQL
tsquery conditions, so no user text is ever read as query syntax by either database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_DEPTH", "MAX_TERMS", "STOP_WORDS", "AllOf", "AnyOf", "Not", "Search",
           "SearchTooLong", "Term", "asks_nothing", "or_beside_other_terms", "parse_search",
           "unread_field_tags"]

#: The most terms one search may hold: each is one condition in SQL, and SQLite's
#: expression depth is bounded (a pasted abstract of 1,000 words would exceed it).
MAX_TERMS: Final = 100
#: The deepest nesting of parentheses read, for the same bound.
MAX_DEPTH: Final = 20

#: The English stop words of PostgreSQL's ``english`` text-search configuration (the
#: Snowball list): its index holds none of them, so SQLite's search leaves them out
#: too, and "hair loss in women" finds the same studies on both databases.
STOP_WORDS: Final = frozenset({
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
    "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers",
    "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves",
    "what", "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are",
    "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does",
    "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until",
    "while", "of", "at", "by", "for", "with", "about", "against", "between", "into",
    "through", "during", "before", "after", "above", "below", "to", "from", "up", "down",
    "in", "out", "on", "off", "over", "under", "again", "further", "then", "once", "here",
    "there", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more",
    "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so",
    "than", "too", "very", "s", "t", "can", "will", "just", "don", "should", "now",
})

# Letters and digits only: a word can never carry query syntax into FTS5 or tsquery.
_WORD: Final = re.compile(r"[^\W_]+")
# A parenthesis; a quoted phrase (a missing closing quote ends it at the end of the
# text); or a run of anything else but white space, quotes and parentheses. A "-"
# before a phrase, a run or an opening parenthesis negates it.
_TOKEN: Final = re.compile(
    r'(?P<close>\))|(?P<minus>-?)(?:(?P<open>\()|"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"()]+))')
_OPERATORS: Final = frozenset({"AND", "OR", "NOT"})
# PubMed's field tags: "minoxidil[tiab]", "alopecia[MeSH Terms]". The search reads title
# and abstract only, so a tag is set aside rather than searched for as words ("tiab").
_FIELD_TAG: Final = re.compile(r"\[\s*([A-Za-z][A-Za-z /:~0-9-]{0,40}?)\s*\]")
_TEXT_FIELDS: Final = frozenset({
    "tiab", "title/abstract", "tw", "text word", "text words", "all", "all fields"})


class SearchTooLong(ValueError):
    """A search of more than :data:`MAX_TERMS` terms or :data:`MAX_DEPTH` nested groups."""


@dataclass(frozen=True, slots=True)
class Term:
    """Words that must all occur; a ``phrase`` ("hair count", quoted) together and in
    order. A hyphenated word ("platelet-rich") is its words, anywhere."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word is a prefix ("microneedl*")
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every one of ``parts`` (AND)."""

    parts: tuple[Search, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Any one of ``parts`` (OR)."""

    parts: tuple[Search, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Studies without ``part`` (NOT, or "-" before a term or a group)."""

    part: Search


Search = Term | AllOf | AnyOf | Not


def _term(text: str, *, quoted: bool) -> Term | None:
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    return Term(words, prefix=text.rstrip().endswith("*"), phrase=quoted and len(words) > 1)


def _negated(node: Search | None, negate: bool = True) -> Search | None:
    if node is None or not negate:
        return node
    return node.part if isinstance(node, Not) else Not(node)


def _joined(kind: type[AllOf] | type[AnyOf], parts: list[Search | None]) -> Search | None:
    """``parts`` under one AND or OR, nested ones of the same kind flattened; ``None``
    (an empty group, "()") is left out."""
    flat: list[Search] = []
    for part in parts:
        if isinstance(part, kind):
            flat.extend(part.parts)
        elif part is not None:
            flat.append(part)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


# A token after reading: "(" or ")" (negated: "-("), an operator, or a term (negated: "-a").
@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT" or "term"
    term: Term | None = None
    negated: bool = False


def asks_nothing(search: Search) -> bool:
    """Whether every term of ``search`` is stop words only ("the", "NOT" alone, "in the"):
    neither index holds them, so such a search leaves every study in, which the caller
    should say."""
    if isinstance(search, Term):
        last = len(search.words) - 1
        return all(word.lower() in STOP_WORDS and not (search.prefix and position == last)
                   for position, word in enumerate(search.words))
    if isinstance(search, Not):
        return asks_nothing(search.part)
    return all(asks_nothing(part) for part in search.parts)


def unread_field_tags(text: str) -> list[str]:
    """The PubMed field tags of ``text`` that name another field than title and abstract
    together ("MeSH Terms", "au", and "ti" or "ab" alone): their words are searched in
    title and abstract all the same, which the caller should say."""
    return list(dict.fromkeys(tag.strip() for tag in _FIELD_TAG.findall(text)
                              if " ".join(tag.lower().split()) not in _TEXT_FIELDS))


def _tokens(text: str) -> list[_Token]:
    """The tokens of ``text``, with every operator that has nothing to act on read as
    the word it is ("NOT" alone searches for "not"; "a OR" for a and "or"). PubMed field
    tags are set aside ("minoxidil[tiab]" is minoxidil)."""
    read: list[_Token] = []
    for match in _TOKEN.finditer(_FIELD_TAG.sub(" ", text)):
        minus = bool(match.group("minus"))
        if match.group("close"):
            read.append(_Token(")"))
        elif match.group("open"):
            read.append(_Token("(", negated=minus))
        elif (bare := match.group("bare")) in _OPERATORS and not minus:
            read.append(_Token(bare, Term((bare.lower(),))))
        else:
            phrase = match.group("phrase")
            term = _term(phrase if phrase is not None else bare or "", quoted=phrase is not None)
            if term is not None:
                read.append(_Token("term", term, negated=minus))
    tokens: list[_Token] = []
    for index, token in enumerate(read):
        if token.kind in _OPERATORS:
            following = read[index + 1].kind if index + 1 < len(read) else ")"
            operand_follows = following != ")"
            operand_before = bool(tokens) and tokens[-1].kind in ("term", ")")
            if not operand_follows or (token.kind != "NOT" and not operand_before):
                token = _Token("term", token.term)
        tokens.append(token)
    return tokens


class _Parser:
    """Recursive descent over the tokens: a sequence of OR-chains, each part of which
    may be preceded by NOT; AND is the default between them."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        # An OR chain stood next to another term with no AND written between them:
        # "alopecia OR hair loss" is (alopecia OR hair) AND loss, which the caller says.
        self.or_beside_term = False
        self._last_had_or = False

    def _peek(self) -> str | None:
        return self.tokens[self.at].kind if self.at < len(self.tokens) else None

    def every(self) -> Search | None:
        """Until the end or the ")" closing the group being read."""
        parts: list[Search | None] = []
        written_and = True  # nothing before the first part
        previous_had_or = False
        while (kind := self._peek()) not in (None, ")"):
            if kind in ("AND", "OR"):  # "AND" is the default; an "OR" here joins nothing
                written_and = written_and or kind == "AND"
                self.at += 1
                continue
            parts.append(self.either())
            if not written_and and (previous_had_or or self._last_had_or):
                self.or_beside_term = True
            previous_had_or, written_and = self._last_had_or, False
        return _joined(AllOf, parts)

    def either(self) -> Search | None:
        alternatives = [self.unary()]
        while self._peek() == "OR":
            self.at += 1
            alternatives.append(self.unary())
        self._last_had_or = len(alternatives) > 1
        return _joined(AnyOf, alternatives)

    def unary(self) -> Search | None:
        negate = False
        while self._peek() == "NOT":
            self.at += 1
            negate = not negate
        return _negated(self.atom(), negate)

    def atom(self) -> Search | None:
        if self._peek() in (None, ")"):  # "a OR" cut short by a closing parenthesis
            return None
        token = self.tokens[self.at]
        self.at += 1
        if token.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise SearchTooLong(f"a search may nest at most {MAX_DEPTH} groups")
            group = self.every()
            self.depth -= 1
            if self._peek() == ")":
                self.at += 1
            return _negated(group, token.negated)
        return _negated(token.term, token.negated)

    def search(self) -> Search | None:
        """The whole search; a ")" that closes no group is passed over."""
        parts: list[Search | None] = []
        while self._peek() is not None:
            parts.append(self.every())
            if self._peek() == ")":
                self.at += 1
        return _joined(AllOf, parts)


def or_beside_other_terms(text: str) -> bool:
    """Whether an OR of ``text`` stands next to another term with no AND or parentheses
    to say how they group ("alopecia OR hair loss" is alopecia or hair, and loss):
    the caller should say how it was read."""
    parser = _Parser(_tokens(text))
    parser.search()
    return parser.or_beside_term


def parse_search(text: str) -> Search | None:
    """What a study must satisfy to answer ``text``; ``None`` when the text holds no
    word ("(" or "-"), which callers read as "matches no study".

    An operator with nothing to act on is a word: "NOT" alone searches for "not".
    A missing ")" closes its group at the end. Raises :class:`SearchTooLong` past
    :data:`MAX_TERMS` terms or :data:`MAX_DEPTH` nested groups.
    """
    tokens = _tokens(text)
    if sum(token.kind == "term" for token in tokens) > MAX_TERMS:
        raise SearchTooLong(f"a search may hold at most {MAX_TERMS} terms")
    return _Parser(tokens).search()
