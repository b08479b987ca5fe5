"""The default PubMed search: microneedling (any device) AND hair loss/growth.

Written as two blocks of synonyms, each block an OR, the blocks joined by
AND, so a librarian can read and sign it term by term. The strategy errs on
the side of sensitivity: a false hit costs a tagger decision (``relevant``),
a missed study is invisible forever.

Needling block
    There is no MeSH descriptor for microneedling; it is indexed under the
    condition treated, so the needling side is free text in title/abstract
    (``[tiab]``). The truncation ``microneedl*`` covers microneedle(s),
    microneedling and microneedled; the hyphenated and spaced spellings are
    listed because PubMed does not truncate inside a phrase reliably. Device
    names (Dermaroller, Dermapen, derma stamp) and the older name "collagen
    induction therapy" catch papers that never say "microneedling".
    Radiofrequency microneedling is caught by ``microneedl*`` and is listed
    too, because reviewers look for it by name.

    Deliberately NOT included: ``"Dry Needling"[MeSH]`` is trigger-point
    needling of muscle for musculoskeletal pain, a different procedure whose
    literature would only add noise; ``Acupuncture``, ``Mesotherapy`` and
    ``Needles``[MeSH] are likewise other procedures or far too broad.

Hair block
    ``Alopecia[MeSH]`` explodes to alopecia areata and carries androgenetic
    alopecia, baldness and hair loss as entry terms; ``Hypotrichosis[MeSH]``
    adds congenital and diffuse thinning. Free text repeats these for
    records not yet indexed (in-process and publisher-supplied citations
    have no MeSH). ``alopeci*`` covers every "... alopecia" form, ``effluvium``
    telogen/anagen effluvium. ``regrowth`` alone is broad, but ANDed with the
    needling block it is nearly always hair regrowth. Bare ``hair`` is left
    out on purpose: it would pull in the many microneedle drug-delivery
    studies done on hairless mice and laser hair removal.
"""

from __future__ import annotations

__all__ = ["DEFAULT_QUERY", "HAIR_TERMS", "NEEDLING_TERMS", "build_query"]

NEEDLING_TERMS: tuple[str, ...] = (
    "microneedl*[tiab]",
    '"microneedling"[tiab]',
    '"microneedle"[tiab]',
    '"microneedles"[tiab]',
    '"micro-needling"[tiab]',
    '"micro needling"[tiab]',
    '"micro-needle"[tiab]',
    '"micro-needles"[tiab]',
    '"radiofrequency microneedling"[tiab]',
    "dermaroll*[tiab]",
    '"derma roller"[tiab]',
    '"derma-roller"[tiab]',
    "dermapen*[tiab]",
    '"derma pen"[tiab]',
    '"derma stamp"[tiab]',
    "dermastamp*[tiab]",
    '"collagen induction therapy"[tiab]',
    '"percutaneous collagen induction"[tiab]',
    '"skin needling"[tiab]',
    '"scalp needling"[tiab]',
    '"medical needling"[tiab]',
)

HAIR_TERMS: tuple[str, ...] = (
    '"Alopecia"[MeSH Terms]',
    '"Hypotrichosis"[MeSH Terms]',
    "alopeci*[tiab]",
    '"hair loss"[tiab]',
    '"hair growth"[tiab]',
    '"hair regrowth"[tiab]',
    "regrowth[tiab]",
    '"hair density"[tiab]',
    '"hair count"[tiab]',
    '"hair thinning"[tiab]',
    '"hair shedding"[tiab]',
    "baldness[tiab]",
    "hypotrichosis[tiab]",
    "effluvium[tiab]",
)


def build_query(*blocks: tuple[str, ...]) -> str:
    """AND of ORs: each block parenthesised, its terms joined by OR."""
    return " AND ".join("(" + " OR ".join(block) + ")" for block in blocks)


#: What `evidence ingest` searches when no ``--query`` is given.
DEFAULT_QUERY: str = build_query(NEEDLING_TERMS, HAIR_TERMS)
