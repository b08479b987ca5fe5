"""The full-text search box, read the way PubMed users write it.

Words must all occur (stemmed, as the full-text index stems them); ``"a phrase"``
must occur as written; ``OR`` between two terms takes either; ``NOT`` (or ``-``)
before a term leaves out the studies that have it; ``word*`` is every word it
begins. Operators are upper case, as in PubMed: ``not`` and ``or`` are words.

Pure: the result is a list of clauses that :mod:`evidence.queries` turns into
SQLite FTS5 or PostgreSQL tsquery conditions, so no user text is ever read as
query syntax by either database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["Clause", "Term", "parse_search"]

# Letters and digits only: a word can never carry query syntax into FTS5 or tsquery.
_WORD: Final = re.compile(r"[^\W_]+")
# A quoted phrase (a missing closing quote ends it at the end of the text), or a run
# of anything else but white space and quotes; a "-" or "NOT" before it negates it.
_TOKEN: Final = re.compile(r'(?P<minus>-?)(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))')


@dataclass(frozen=True, slots=True)
class Term:
    """Words that must all occur; a ``phrase`` ("hair count", quoted) together and in
    order. A hyphenated word ("platelet-rich") is its words, anywhere."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word is a prefix ("microneedl*")
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Clause:
    """Any one of ``terms`` (OR); ``negated``: none of them."""

    terms: tuple[Term, ...]
    negated: bool = False


def _term(text: str, *, quoted: bool) -> Term | None:
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    return Term(words, prefix=text.rstrip().endswith("*"), phrase=quoted and len(words) > 1)


def parse_search(text: str) -> list[Clause]:
    """The clauses of a search, all of which a study must satisfy; [] when the text
    holds no word ("(" or "-"), which callers read as "matches no study".

    An operator with nothing to act on is a word: "NOT" alone searches for "not".
    """
    items: list[tuple[str, Term | None, bool]] = []  # (operator or "", term, negated)
    for match in _TOKEN.finditer(text):
        phrase, bare = match.group("phrase"), match.group("bare")
        if bare in ("OR", "NOT", "AND") and not match.group("minus"):
            items.append((bare, Term((bare.lower(),)), False))
            continue
        term = _term(phrase if phrase is not None else bare or "", quoted=phrase is not None)
        if term is not None:
            items.append(("", term, bool(match.group("minus"))))

    clauses: list[Clause] = []
    negate_next = False
    join_next = False
    for index, (operator, term, negated) in enumerate(items):
        has_next = index + 1 < len(items) and not items[index + 1][0]
        if operator == "AND" and clauses and has_next:
            continue  # the default
        if operator == "NOT" and has_next:
            negate_next = True
            continue
        if operator == "OR" and clauses and has_next:  # after NOT: none of them
            join_next = True
            continue
        assert term is not None
        if join_next:
            last = clauses.pop()
            clauses.append(Clause((*last.terms, term), last.negated))
            join_next = False
            continue
        clauses.append(Clause((term,), negated or negate_next))
        negate_next = False
    return clauses
