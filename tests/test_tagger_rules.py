"""Rule families of the tagger on hand-written abstracts, hard negatives included."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.records import AbstractSection, Article, MeshHeading
from evidence.tagging import TAGGER_VERSION, Tagging, tag_article
from evidence.tagging.rules import RULES_DIR, load_lexicon, load_rules


def article(title: str, *sections: tuple[str | None, str], types: list[str] | None = None,
            mesh: list[str] | None = None) -> Article:
    return Article(
        pmid="1",
        title=title,
        abstract=[AbstractSection(text, label=label) for label, text in sections],
        publication_types=types or ["Journal Article"],
        mesh=[MeshHeading(term) for term in mesh or []],
    )


TRIAL = article(
    "Microneedling with minoxidil versus minoxidil alone in androgenetic alopecia",
    ("BACKGROUND", "Hair thickness and hair density decline in androgenetic alopecia. "
                   "Microneedling may improve quality of life."),
    ("METHODS", "Sixty men were randomly assigned to weekly microneedling with 5% minoxidil "
                "or minoxidil alone. Needling was done with a dermaroller at a depth of 1.5 mm "
                "for a total of 12 sessions. Hair count was assessed at 6 months."),
    ("RESULTS", "Hair counts increased more with microneedling. No adverse events were reported."),
)


def tag(kind: str, tagging: Tagging) -> dict[str, str]:
    return {t.code: t.rule for t in tagging.tags if t.kind == kind}


def test_trial_labels_and_provenance() -> None:
    result = tag_article(TRIAL)
    assert result.tagger_version == TAGGER_VERSION
    assert result.relevant is True
    assert (result.design, result.evidence_level) == ("rct", 2)
    assert result.conditions == ["androgenetic_alopecia"]
    assert result.interventions == ["microneedling", "minoxidil"]
    assert result.devices == ["dermaroller"]
    assert result.sample_size == 60
    assert result.needle_depth_mm == (1.5, 1.5)
    assert result.sessions == 12
    assert result.follow_up_weeks == 26
    for t in result.tags:
        text = TRIAL.title if t.source == "title" else TRIAL.abstract_text
        assert text[t.start : t.end] == t.sentence
        assert t.rule
    kinds = {t.kind for t in result.tags}
    assert kinds >= {"relevant", "design", "condition", "intervention", "device", "outcome",
                     "sample_size", "needle_depth_mm", "sessions", "follow_up_weeks"}


def test_background_outcomes_do_not_count_but_negated_safety_does() -> None:
    result = tag_article(TRIAL)
    # thickness/density/QoL appear only in BACKGROUND; "no adverse events were reported" counts.
    assert result.outcomes == ["hair_count", "adverse_events"]
    assert tag("outcome", result)["hair_count"] == "outcome.hair_count.lexicon"


def test_unlabelled_generic_opening_is_background() -> None:
    result = tag_article(article(
        "Microneedling for alopecia",
        (None, "Microneedling may improve hair thickness. Alopecia impairs quality of life. "
               "We treated 12 women with female pattern hair loss by microneedling. "
               "Hair density increased in all patients."),
    ))
    assert result.outcomes == ["hair_density"]
    assert result.conditions == ["androgenetic_alopecia", "female_pattern_hair_loss"]
    assert result.sample_size == 12
    assert result.design == "case_series"


def test_hedged_statement_outside_results_is_not_an_outcome() -> None:
    result = tag_article(article(
        "Microneedling in androgenetic alopecia: a case series",
        ("METHODS", "Ten patients received microneedling."),
        ("CONCLUSION", "Microneedling may improve hair thickness."),
    ))
    assert "hair_thickness" not in result.outcomes


def test_acne_scar_microneedling_is_not_relevant() -> None:
    result = tag_article(article(
        "Microneedling for atrophic acne scars: a randomized split-face trial",
        ("METHODS", "Thirty patients with acne scars had microneedling with a dermapen on one "
                    "side of the face. Like treatments for hair loss, it induces collagen."),
    ))
    assert result.relevant is False
    assert result.interventions == ["microneedling"]
    assert next(t for t in result.tags if t.kind == "relevant").code == "false"


def test_hair_loss_trial_without_needling_arm_is_not_relevant() -> None:
    result = tag_article(article(
        "Platelet-rich plasma for androgenetic alopecia: a randomized controlled trial",
        ("BACKGROUND", "Microneedling has been combined with PRP in earlier reports."),
        ("METHODS", "Forty patients were randomized to PRP injections or saline."),
        ("RESULTS", "Hair density improved with PRP."),
    ))
    assert result.relevant is False
    assert result.interventions == ["prp"]  # the background mention is not an arm
    assert result.sessions is None  # sessions are needling sessions


def test_prior_failed_treatment_is_not_an_arm() -> None:
    result = tag_article(article(
        "Microneedling in androgenetic alopecia",
        ("METHODS", "Twenty men who did not respond to finasteride were treated with "
                    "microneedling and platelet-rich plasma."),
    ))
    assert result.interventions == ["microneedling", "prp"]


@pytest.mark.parametrize(
    ("types", "mesh", "design", "level"),
    [
        (["Journal Article", "Randomized Controlled Trial"], [], "rct", 2),
        (["Meta-Analysis", "Systematic Review", "Review"], [], "meta_analysis", 1),
        (["Systematic Review", "Review"], [], "systematic_review", 1),
        (["Case Reports"], ["Humans"], "case_report", 4),
        (["Review"], [], "narrative_review", 5),
        (["Journal Article"], ["Animals", "Mice"], "preclinical", 5),
    ],
)
def test_publication_type_and_mesh_decide_design(
    types: list[str], mesh: list[str], design: str, level: int
) -> None:
    # The text alone would say case series; indexing takes precedence.
    result = tag_article(article(
        "Microneedling for hair loss",
        ("METHODS", "Fifteen patients with alopecia areata had microneedling."),
        types=types, mesh=mesh,
    ))
    assert (result.design, result.evidence_level) == (design, level)
    design_tag = next(t for t in result.tags if t.kind == "design")
    assert design_tag.source in ("publication_type", "mesh")
    assert design_tag.sentence in types + mesh


def test_animals_with_humans_is_not_preclinical() -> None:
    result = tag_article(article(
        "Microneedling for hair loss",
        ("METHODS", "Fifteen patients with alopecia areata had microneedling."),
        mesh=["Animals", "Humans"],
    ))
    assert result.design == "case_series"


@pytest.mark.parametrize(
    ("title", "text", "design"),
    [
        ("Microneedling for alopecia: a systematic review and meta-analysis",
         "Data from eight trials were pooled.", "meta_analysis"),
        ("Microneedling in hair disorders",
         "PubMed and Embase were searched for clinical studies of microneedling.",
         "systematic_review"),
        ("Scalp needling in alopecia areata",
         "We report a 30-year-old woman treated with microneedling.", "case_report"),
        ("Microneedling in androgenetic alopecia",
         "We enrolled 24 patients in a split-scalp study of microneedling.", "controlled_trial"),
        ("Hair regrowth after microneedle injury",
         "We used C57BL/6 mice to study microneedle injury.", "preclinical"),
        ("Microneedling in androgenetic alopecia",
         "A retrospective cohort of 80 patients who had microneedling was compared.", "cohort"),
        ("Microneedling for hair loss",
         "Microneedling is a minimally invasive procedure that induces growth factors.",
         "narrative_review"),
    ],
)
def test_text_decides_design_without_indexing(title: str, text: str, design: str) -> None:
    assert tag_article(article(title, (None, text))).design == design


def test_numbers_in_context() -> None:
    result = tag_article(article(
        "Microneedling in androgenetic alopecia",
        ("METHODS", "Hundred cases of androgenetic alopecia were recruited. Patients were "
                    "treated six times with microneedles to a depth of 0.5 to 2.5 mm."),
        ("RESULTS", "Improvement persisted at 3 months and was followed for two months after "
                    "treatment ended."),
    ))
    assert result.sample_size == 100
    assert result.sessions == 6
    assert result.needle_depth_mm == (0.5, 2.5)
    assert result.follow_up_weeks == 13


def test_session_range_is_not_a_number_and_comparison_is_not_a_depth() -> None:
    result = tag_article(article(
        "Microneedling in androgenetic alopecia",
        ("METHODS", "Sixty patients received four to six sessions of microneedling; the depth "
                    "was less than 1 mm."),
    ))
    assert result.sessions is None
    assert result.needle_depth_mm is None


def test_review_sample_size_is_the_reported_total() -> None:
    result = tag_article(article(
        "Microneedling for hair loss: a systematic review",
        ("RESULTS", "Twelve studies involving 540 patients were included."),
    ))
    assert result.sample_size == 540
    assert result.follow_up_weeks is None


def test_unknown_code_is_rejected_with_file_and_code(tmp_path: Path) -> None:
    bad = tmp_path / "outcomes.toml"
    bad.write_text('kind = "outcome"\n[[rule]]\nid = "x"\ncode = "hair_colour"\n'
                   'terms = ["grey"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"outcomes\.toml.*hair_colour"):
        load_lexicon(bad, "outcome")


def test_broken_regex_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "devices.toml"
    bad.write_text('kind = "device"\n[[rule]]\nid = "x"\ncode = "dermapen"\n'
                   'terms = ["pen("]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"devices\.toml"):
        load_lexicon(bad, "device")


def test_packaged_rules_load() -> None:
    rules = load_rules(RULES_DIR)
    assert set(rules.lexicons) == {"condition", "intervention", "device", "outcome"}


def test_title_only_and_empty_records_do_not_crash() -> None:
    bare = tag_article(Article(pmid="2", title="Microneedling for androgenetic alopecia"))
    assert (bare.design, bare.relevant) == ("other", True)
    assert bare.interventions == ["microneedling"]
    empty = tag_article(Article(pmid="3", title=""))
    assert (empty.design, empty.relevant, empty.tags) == ("other", False, [])


def test_nlm_category_overrides_an_unusual_label() -> None:
    result = tag_article(Article(
        pmid="4",
        title="Dermaroller in alopecia areata",
        abstract=[
            AbstractSection("Shedding is distressing.", label="RATIONALE", category="BACKGROUND"),
            AbstractSection("The pull test became negative in 9 of 10 patients.",
                            label="FINDINGS", category="RESULTS"),
        ],
    ))
    assert result.outcomes == ["hair_shedding"]
    shedding = next(t for t in result.tags if t.code == "hair_shedding")
    assert shedding.sentence.startswith("The pull test")
