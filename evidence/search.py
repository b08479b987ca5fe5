"""The full-text search box, read the way PubMed users write it.

Words must all occur (stemmed, as the full-text index stems them); ``"a phrase"``
must occur as written; ``OR`` between two terms takes either; ``NOT`` (or ``-``)
before a term leaves out the studies that have it; ``AND`` is the default and may
be written; ``word*`` is every word it begins. Operators are upper case, as in
PubMed: ``not`` and ``or`` are words. Parentheses are not read (:func:`has_groups`
lets the caller say so): ``OR`` joins the two terms beside it.

Pure: the result is a list of clauses that :mod:`evidence.queries` turns into
SQLite FTS5 or PostgreSQL tsquery conditions, so no user text is ever read as
query syntax by either database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_TERMS", "STOP_WORDS", "Clause", "SearchTooLong", "Term", "has_groups",
           "parse_search"]

#: The most terms one search may hold: each is one condition in SQL, and SQLite's
#: expression depth is bounded (a pasted abstract of 1,000 words would exceed it).
MAX_TERMS: Final = 100

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
# A quoted phrase (a missing closing quote ends it at the end of the text), or a run
# of anything else but white space and quotes; a "-" before it negates it.
_TOKEN: Final = re.compile(r'(?P<minus>-?)(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))')
_OPERATORS: Final = frozenset({"AND", "OR", "NOT"})


class SearchTooLong(ValueError):
    """A search of more than :data:`MAX_TERMS` terms."""


@dataclass(frozen=True, slots=True)
class Term:
    """Words that must all occur; a ``phrase`` ("hair count", quoted) together and in
    order. A hyphenated word ("platelet-rich") is its words, anywhere. ``negated``:
    the study must not have it."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word is a prefix ("microneedl*")
    phrase: bool = False
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Clause:
    """Any one of ``terms`` (OR)."""

    terms: tuple[Term, ...]


def has_groups(text: str) -> bool:
    """Whether the search holds parentheses, which are not read as grouping."""
    return "(" in text or ")" in text


def _term(text: str, *, quoted: bool, negated: bool) -> Term | None:
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    return Term(words, prefix=text.rstrip().endswith("*"), phrase=quoted and len(words) > 1,
                negated=negated)


def parse_search(text: str) -> list[Clause]:
    """The clauses of a search, all of which a study must satisfy; [] when the text
    holds no word ("(" or "-"), which callers read as "matches no study".

    An operator with nothing to act on is a word: "NOT" alone searches for "not".
    Raises :class:`SearchTooLong` past :data:`MAX_TERMS` terms.
    """
    # (operator, the term it is as a word) or ("", term)
    items: list[tuple[str, Term]] = []
    for match in _TOKEN.finditer(text):
        phrase, bare = match.group("phrase"), match.group("bare")
        if bare in _OPERATORS and not match.group("minus"):
            items.append((bare, Term((bare.lower(),))))
            continue
        term = _term(phrase if phrase is not None else bare or "", quoted=phrase is not None,
                     negated=bool(match.group("minus")))
        if term is not None:
            items.append(("", term))

    def term_follows(index: int) -> bool:
        """A term comes next, perhaps after NOT: "AND NOT prp", "OR NOT prp"."""
        rest = [operator for operator, _ in items[index + 1:index + 3]]
        return bool(rest) and (rest[0] == "" or (rest[0] == "NOT" and rest[1:] == [""]))

    clauses: list[Clause] = []
    negate_next = join_next = False
    for index, (operator, term) in enumerate(items):
        if operator == "AND" and clauses and term_follows(index):
            continue  # the default
        if operator == "NOT" and index + 1 < len(items) and items[index + 1][0] == "":
            negate_next = True
            continue
        if operator == "OR" and clauses and term_follows(index):
            join_next = True
            continue
        if negate_next:
            term = Term(term.words, term.prefix, term.phrase, negated=True)
            negate_next = False
        if join_next:
            clauses.append(Clause((*clauses.pop().terms, term)))
            join_next = False
        else:
            clauses.append(Clause((term,)))
    if sum(len(clause.terms) for clause in clauses) > MAX_TERMS:
        raise SearchTooLong(f"a search may hold at most {MAX_TERMS} terms")
    return clauses
