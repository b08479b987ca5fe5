"""Human labels for the TAGS.md codes.

Codes are the stable contract; people read labels. The exports, the evidence
line and the dashboard all take their wording from here so that a study reads
the same everywhere. Labels are written to sit mid-sentence (lower case except
acronyms); :func:`display_label` capitalises them for headings.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from evidence.tagging.vocabulary import EVIDENCE_LEVEL

#: design code -> label. Order follows TAGS.md (strongest evidence first), which
#: is also the order summary tables use.
DESIGN_LABELS: Final = MappingProxyType({
    "meta_analysis": "Meta-analysis",
    "systematic_review": "Systematic review",
    "rct": "RCT",
    "controlled_trial": "Controlled trial",
    "cohort": "Cohort study",
    "case_series": "Case series",
    "case_report": "Case report",
    "narrative_review": "Narrative review",
    "preclinical": "Preclinical study",
    "other": "Other",
})

#: design code -> evidence level (Oxford CEBM 2011 style, TAGS.md); one source, the tagger's.
EVIDENCE_LEVELS: Final = MappingProxyType(dict(EVIDENCE_LEVEL))

CONDITION_LABELS: Final = MappingProxyType({
    "androgenetic_alopecia": "androgenetic alopecia",
    "female_pattern_hair_loss": "female pattern hair loss",
    "alopecia_areata": "alopecia areata",
    "telogen_effluvium": "telogen effluvium",
    "scarring_alopecia": "scarring alopecia",
    "chemotherapy_induced_alopecia": "chemotherapy-induced alopecia",
    "other_hair_loss": "other hair loss",
})

INTERVENTION_LABELS: Final = MappingProxyType({
    "microneedling": "microneedling",
    "minoxidil": "minoxidil",
    "prp": "PRP",
    "finasteride": "finasteride",
    "growth_factors": "growth factors",
    "corticosteroid": "corticosteroid",
    "laser_light": "laser/light",
    "botulinum_toxin": "botulinum toxin",
    "other_topical": "other topical",
})

DEVICE_LABELS: Final = MappingProxyType({
    "dermaroller": "dermaroller",
    "dermapen": "dermapen",
    "derma_stamp": "derma stamp",
    "radiofrequency_microneedling": "radiofrequency microneedling",
    "microneedle_patch": "microneedle patch",
})

OUTCOME_LABELS: Final = MappingProxyType({
    "hair_density": "hair density",
    "hair_count": "hair count",
    "hair_thickness": "hair thickness",
    "global_assessment": "global assessment",
    "patient_assessment": "patient assessment",
    "hair_shedding": "hair shedding",
    "severity_score": "severity score",
    "adverse_events": "adverse events",
    "quality_of_life": "quality of life",
})

#: Every TAGS.md code -> label. The code sets of the kinds do not overlap, so
#: one flat mapping is unambiguous and is what the dashboard needs for widgets.
CODE_LABELS: Final = MappingProxyType({
    **DESIGN_LABELS,
    **CONDITION_LABELS,
    **INTERVENTION_LABELS,
    **DEVICE_LABELS,
    **OUTCOME_LABELS,
})


def label(code: str) -> str:
    """The label for ``code``; an unknown code falls back to readable text.

    Falling back (rather than raising) keeps an export working when the tagger
    gains a code before this table does; the test suite checks the table
    covers TAGS.md.
    """
    return CODE_LABELS.get(code, code.replace("_", " "))


def display_label(code: str) -> str:
    """:func:`label` with its first letter capitalised, for headings and widgets."""
    text = label(code)
    return text[:1].upper() + text[1:]


# How a tag was decided, from its rule id (``kind.code.how``): what the "Why each tag"
# table says beside the sentence. An inferred tag's sentence is where the tagger
# looked, not a sentence that names the tag, and the reader should be told so.
_HOW_BY_KIND_AND_END: Final = MappingProxyType({
    ("design", "publication_type"): "PubMed publication type",
    ("design", "mesh"): "MeSH indexing (animals, no humans)",
    ("design", "participants"): "inferred from who was counted",
    ("design", "fallback"): "inferred: no design is named",
    ("design", "no_abstract"): "inferred: title only, no abstract",
    ("condition", "participants"): "inferred: women among the participants",
    ("sample_size", "single_case"): "inferred: one patient described",
})


#: Why a record is (or is not) about microneedling for hair loss, by the tagger's rule.
RELEVANCE_REASONS: Final = {
    "relevant.title": "microneedling and hair in the title",
    "relevant.hair_in_title": "hair in the title, microneedling in this sentence",
    "relevant.sentence": "microneedling and hair in one sentence",
    "relevant.condition": "microneedling used on people with a hair-loss condition",
    "relevant.no_microneedling": "no microneedling arm found",
    "relevant.other_indication": "microneedling for another condition",
    "relevant.no_hair_context": "microneedling, but not for hair",
}


def how_tagged(rule: str) -> str:
    """``"design.case_series.participants"`` -> ``"inferred from who was counted"``;
    a tag read from words of the text (``"sample_size.participants"`` too: the count
    is stated) is ``"stated in the text"``."""
    kind, _, rest = rule.partition(".")
    if kind == "relevant":
        return RELEVANCE_REASONS.get(rule, "relevance check")
    if ".device." in rule:
        return "implied by the device named"
    return _HOW_BY_KIND_AND_END.get((kind, rest.rsplit(".", 1)[-1]), "stated in the text")
