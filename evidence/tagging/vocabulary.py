"""The TAGS.md vocabulary as constants.

TAGS.md (shared with the database, the exports and the gold sets) is the
contract; these tuples mirror it so the rule loader can reject a code that
the rest of the product would not understand.
"""

from __future__ import annotations

DESIGNS: tuple[str, ...] = (
    "meta_analysis",
    "systematic_review",
    "rct",
    "controlled_trial",
    "cohort",
    "case_series",
    "case_report",
    "narrative_review",
    "preclinical",
    "other",
)

# Oxford CEBM 2011 style levels, as TAGS.md tabulates them.
EVIDENCE_LEVEL: dict[str, int] = {
    "meta_analysis": 1,
    "systematic_review": 1,
    "rct": 2,
    "controlled_trial": 3,
    "cohort": 3,
    "case_series": 4,
    "case_report": 4,
    "narrative_review": 5,
    "preclinical": 5,
    "other": 5,
}

CONDITIONS: tuple[str, ...] = (
    "androgenetic_alopecia",
    "female_pattern_hair_loss",
    "alopecia_areata",
    "telogen_effluvium",
    "scarring_alopecia",
    "chemotherapy_induced_alopecia",
    "other_hair_loss",
)

INTERVENTIONS: tuple[str, ...] = (
    "microneedling",
    "minoxidil",
    "prp",
    "finasteride",
    "growth_factors",
    "corticosteroid",
    "laser_light",
    "botulinum_toxin",
    "other_topical",
)

DEVICES: tuple[str, ...] = (
    "dermaroller",
    "dermapen",
    "derma_stamp",
    "radiofrequency_microneedling",
    "microneedle_patch",
)

OUTCOMES: tuple[str, ...] = (
    "hair_density",
    "hair_count",
    "hair_thickness",
    "global_assessment",
    "patient_assessment",
    "hair_shedding",
    "severity_score",
    "adverse_events",
    "quality_of_life",
)

# Tag kind (as stored in the tags table) -> the codes it may carry.
CODES_BY_KIND: dict[str, tuple[str, ...]] = {
    "condition": CONDITIONS,
    "intervention": INTERVENTIONS,
    "device": DEVICES,
    "outcome": OUTCOMES,
    "design": DESIGNS,
}

# Designs whose abstracts report a study the authors ran on people: for these
# only study arms count as interventions and background sentences are ignored.
PRIMARY_HUMAN_DESIGNS: frozenset[str] = frozenset(
    {"rct", "controlled_trial", "cohort", "case_series", "case_report"}
)
REVIEW_DESIGNS: frozenset[str] = frozenset(
    {"meta_analysis", "systematic_review", "narrative_review"}
)
