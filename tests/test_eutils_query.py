"""The default PubMed query: well formed, and every agreed concept present."""

from __future__ import annotations

import re

import pytest

from ingest.query import DEFAULT_QUERY, HAIR_TERMS, NEEDLING_TERMS, build_query

NEEDLING_CONCEPTS = [
    "microneedling", "micro-needling", "microneedle", "microneedles", "dermaroll",
    "derma roller", "dermapen", "derma pen", "derma stamp", "collagen induction therapy",
    "radiofrequency microneedling",
]
HAIR_CONCEPTS = [
    '"Alopecia"[MeSH Terms]', "alopeci*", "hair loss", "hair growth", "regrowth",
    "hypotrichosis", "effluvium",
]
# PubMed field tags this query may use; anything else is a typo PubMed would
# silently search as [All Fields].
ALLOWED_TAGS = {"tiab", "MeSH Terms"}


def _outside_quotes(text: str) -> str:
    return re.sub(r'"[^"]*"', '""', text)


def test_quotes_and_parentheses_balance() -> None:
    assert DEFAULT_QUERY.count('"') % 2 == 0
    depth = 0
    for char in _outside_quotes(DEFAULT_QUERY):
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth >= 0, "a ')' closes nothing"
    assert depth == 0
    assert "()" not in DEFAULT_QUERY


def test_two_blocks_joined_by_and() -> None:
    top_level = re.sub(r"\([^()]*\)", "X", _outside_quotes(DEFAULT_QUERY))
    assert top_level == "X AND X"


def test_every_term_is_tagged_with_a_known_field() -> None:
    for term in NEEDLING_TERMS + HAIR_TERMS:
        match = re.fullmatch(r'("[^"]+"|[A-Za-z-]+\*?)\[([^\]]+)\]', term)
        assert match, f"malformed term {term!r}"
        assert match.group(2) in ALLOWED_TAGS, term
    assert len(set(NEEDLING_TERMS)) == len(NEEDLING_TERMS)
    assert len(set(HAIR_TERMS)) == len(HAIR_TERMS)


@pytest.mark.parametrize("concept", NEEDLING_CONCEPTS)
def test_needling_concepts_present(concept: str) -> None:
    needling_block = DEFAULT_QUERY.split(" AND ")[0].lower()
    assert concept.lower() in needling_block


@pytest.mark.parametrize("concept", HAIR_CONCEPTS)
def test_hair_concepts_present(concept: str) -> None:
    hair_block = DEFAULT_QUERY.split(") AND (")[1]
    assert concept in hair_block


def test_dry_needling_is_left_out() -> None:
    # Trigger-point dry needling is a different procedure (see the module docstring).
    assert "dry needling" not in DEFAULT_QUERY.lower()


def test_bare_hair_is_not_a_term() -> None:
    # "hair" alone would pull in hairless-mouse drug-delivery studies.
    assert not any(re.fullmatch(r'"?hair"?\[tiab\]', t) for t in HAIR_TERMS)


def test_build_query_shape() -> None:
    assert build_query(("a[tiab]", "b[tiab]"), ("c[tiab]",)) == "(a[tiab] OR b[tiab]) AND (c[tiab])"
