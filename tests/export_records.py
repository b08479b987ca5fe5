"""Hand-written export records (CONTRACT.md shape) for the export and citation tests.

Realistic studies, with the awkward cases the exports must survive: diacritics
in author names, "μm" and "≥", a collective author, a retracted study, a
formula-looking title, a study with no DOI/volume, an abbreviated PubMed page
range and a title ending in "?".
"""

from __future__ import annotations

import copy
from typing import Any

TAGGER_VERSION = "test-1"

_BASE: dict[str, Any] = {
    "pmid": "",
    "doi": None,
    "pmcid": None,
    "title": "",
    "abstract": "",
    "journal": None,
    "journal_abbrev": None,
    "volume": None,
    "issue": None,
    "pages": None,
    "year": None,
    "pub_date": None,
    "authors": [],
    "language": ["eng"],
    "publication_types": ["Journal Article"],
    "mesh_terms": [],
    "keywords": [],
    "trial_ids": [],
    "retracted": False,
    "relevant": True,
    "design": "other",
    "evidence_level": 5,
    "conditions": [],
    "interventions": [],
    "devices": [],
    "outcomes": [],
    "sample_size": None,
    "sessions": None,
    "needle_depth_mm": None,
    "follow_up_weeks": None,
    "evidence": {},
    "tagger_version": TAGGER_VERSION,
}


def _record(**fields: Any) -> dict[str, Any]:
    record = copy.deepcopy(_BASE)
    unknown = set(fields) - set(record)
    assert not unknown, f"not a CONTRACT.md key: {unknown}"
    record.update(fields)
    return record


DHURAT = _record(
    pmid="23960389",
    doi="10.4103/0974-7753.114700",
    pmcid="PMC3746236",
    title="A randomized evaluation of minoxidil and microneedling in androgenetic alopecia.",
    abstract=(
        "BACKGROUND: Microneedling is a procedure that involves rolling the scalp.\n"
        "METHODS: 100 men with AGA were randomized to weekly microneedling with "
        "twice-daily 5% minoxidil or minoxidil alone.\n"
        "RESULTS: Mean hair count increased by 91.4 vs 22.2 in 12 weeks."
    ),
    journal="International Journal of Trichology",
    journal_abbrev="Int J Trichology",
    volume="5",
    issue="1",
    pages="6-11",
    year=2013,
    pub_date="2013-01",
    authors=["Dhurat R", "Sukesh M", "Avhad G", "Dandale A", "Pai A", "Pai GS"],
    publication_types=["Journal Article", "Randomized Controlled Trial"],
    mesh_terms=["Alopecia", "Minoxidil", "Needles"],
    keywords=["Androgenetic alopecia", "microneedling", "minoxidil"],
    design="rct",
    evidence_level=2,
    conditions=["androgenetic_alopecia"],
    interventions=["microneedling", "minoxidil"],
    devices=["dermaroller"],
    outcomes=["hair_count", "global_assessment", "patient_assessment"],
    sample_size=100,
    sessions=12,
    needle_depth_mm=[1.5, 1.5],
    follow_up_weeks=12,
    evidence={
        "design": "100 men with AGA were randomized to weekly microneedling",
        "outcome:hair_count": "Mean hair count increased by 91.4 vs 22.2 in 12 weeks.",
    },
)

# Diacritics in authors, "μm" and "≥" in the title, eight authors (et al. rules),
# an abbreviated page range as PubMed stores it, a full publication date.
MULLER = _record(
    pmid="31000001",
    doi="10.1111/jocd.12345",
    title="Microneedling at ≥600 μm depth with platelet-rich plasma in female pattern "
          "hair loss: a split-scalp trial.",
    abstract="Twenty women (Ludwig I–II) received 4 sessions; density rose ≥15%.",
    journal="Journal of Cosmetic Dermatology",
    journal_abbrev="J Cosmet Dermatol",
    volume="18",
    issue="5",
    pages="1412-9",
    year=2019,
    pub_date="2019-10-03",
    authors=["Müller K", "Núñez-García A", "Øster-Hansen PB", "Schröder L", "Weiß T",
             "Dupré É", "Łukasik M", "Ahmed S"],
    language=["eng"],
    mesh_terms=["Alopecia", "Platelet-Rich Plasma"],
    keywords=["PRP", "Platelet-rich plasma"],
    trial_ids=["NCT03000001"],
    design="rct",
    evidence_level=2,
    conditions=["androgenetic_alopecia", "female_pattern_hair_loss"],
    interventions=["microneedling", "prp"],
    devices=["dermapen"],
    outcomes=["hair_density", "adverse_events"],
    sample_size=20,
    sessions=4,
    needle_depth_mm=[0.6, 1.2],
    follow_up_weeks=24,
    evidence={"design": "split-scalp trial", "outcome:hair_density": "density rose ≥15%."},
)

# A collective author, no DOI, no volume/issue/pages: an online-first review.
GROUP = _record(
    pmid="35000002",
    title="Microneedling for hair loss: a systematic review and meta-analysis.",
    abstract="We pooled 12 trials (n=640).",
    journal="Dermatologic Therapy",
    journal_abbrev="Dermatol Ther",
    year=2022,
    pub_date="2022",
    authors=["Microneedling Evidence Study Group"],
    publication_types=["Journal Article", "Meta-Analysis", "Systematic Review"],
    design="meta_analysis",
    evidence_level=1,
    conditions=["androgenetic_alopecia"],
    interventions=["microneedling", "minoxidil", "prp"],
    outcomes=["hair_count", "hair_density"],
    sample_size=640,
)

# Retracted, with a title that ends in "?".
RETRACTED = _record(
    pmid="36000003",
    doi="10.1016/j.example.2021.01.002",
    title="Does microneedling alone regrow hair in alopecia areata?",
    abstract="A case series of 8 patients.",
    journal="Journal of Dermatological Treatment",
    journal_abbrev="J Dermatolog Treat",
    volume="33",
    issue="2",
    pages="210-214",
    year=2021,
    pub_date="2021-03",
    authors=["Smith J", "Lee HK"],
    publication_types=["Journal Article", "Retracted Publication"],
    retracted=True,
    design="case_series",
    evidence_level=4,
    conditions=["alopecia_areata"],
    interventions=["microneedling"],
    outcomes=["severity_score"],
    sample_size=8,
)

# A formula-injection title and signed numbers in numeric fields.
FORMULA = _record(
    pmid="37000004",
    title='=HYPERLINK("http://x","y")',
    abstract="-2+3 is not a formula to run; @SUM(A1) neither.",
    journal="+Journal of Injection",
    year=2023,
    pub_date="2023-05",
    authors=["Doe J"],
    keywords=["@mention", "-leading dash"],
    design="case_report",
    evidence_level=4,
    interventions=["minoxidil"],
    sample_size=-5,
    follow_up_weeks=-5,
    needle_depth_mm=[-1.0, 2.5],
)

ALL_RECORDS: tuple[dict[str, Any], ...] = (DHURAT, MULLER, GROUP, RETRACTED, FORMULA)


def records() -> list[dict[str, Any]]:
    """Fresh copies, so a test cannot change what another test sees."""
    return copy.deepcopy(list(ALL_RECORDS))
