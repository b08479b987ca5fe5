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


@pytest.mark.parametrize(("types", "title", "text", "design"), [
    # PubMed types many systematic reviews "Review" only: the title or the record's own
    # account of its search says more; another review's meta-analysis does not.
    (["Review"], "Microneedling for alopecia: a systematic review and meta-analysis",
     "Fifteen trials were pooled.", "meta_analysis"),
    (["Review"], "Microneedling in alopecia areata",
     "We systematically searched MEDLINE and Embase following PRISMA guidelines.",
     "systematic_review"),
    (["Review"], "Microneedling in alopecia areata",
     "A recent meta-analysis found microneedling effective. We discuss its mechanisms.",
     "narrative_review"),
    # its own search, then pooling told without "we": a meta-analysis
    (["Review"], "Adjuvant microneedling in androgenetic alopecia: an evidence synthesis",
     "We searched PubMed, Embase and Scopus for randomized trials. Eleven trials were "
     "included. Pooled analysis using a random-effects model favoured microneedling.",
     "meta_analysis"),
    # its own search, and a meta-analysis only called for, or another's: a systematic review
    (["Review"], "Microneedling in alopecia areata",
     "We systematically searched MEDLINE and Embase. Future meta-analyses are needed. A "
     "meta-analysis by Smith pooled minoxidil trials.", "systematic_review"),
    # a narrative review that names its sources stays one
    (["Review"], "Microneedling in alopecia areata",
     "In this narrative review we discuss its mechanisms. We searched PubMed for articles.",
     "narrative_review"),
    # TAGS.md: a case report is one to three patients.
    (["Case Reports"], "Microneedling with PRP in alopecia areata",
     "We report five patients with patchy alopecia areata treated with microneedling.",
     "case_series"),
    (["Case Reports"], "Microneedling in alopecia areata",
     "A 34-year-old woman had microneedling. Only 15 cases have been reported so far.",
     "case_report"),
    # "we report a case series" is no case report, typed or not
    (["Journal Article"], "Microneedling with minoxidil in persistent chemotherapy-induced "
     "alopecia", "We report a case series of seven breast cancer survivors who underwent "
     "six sessions of microneedling.", "case_series"),
])
def test_the_records_own_text_refines_a_review_or_case_report_type(
        types: list[str], title: str, text: str, design: str) -> None:
    result = tag_article(article(title, (None, text), types=types))
    assert result.design == design
    if design != "case_report":
        assert result.sample_size != 15


@pytest.mark.parametrize(("title", "text"), [
    ("Microneedling versus mesotherapy in chronic telogen effluvium",
     "Thirty-two women were allocated alternately to microneedling or to mesotherapy."),
    ("Derma stamp with growth factors versus PRP injections in androgenetic alopecia",
     "Thirty-six men with androgenetic alopecia were allocated into two groups."),
    ("Microneedling with a growth factor serum in women: a quasi-experimental study",
     "Thirty women with FPHL received microneedling and hair density rose."),
])
def test_arms_without_chance_deciding_are_a_controlled_trial(title: str, text: str) -> None:
    """TAGS.md: controlled, not randomized. Before, these were case series (level 4)."""
    result = tag_article(article(title, (None, text)))
    assert (result.design, result.evidence_level) == ("controlled_trial", 3)


def test_an_outcome_we_did_not_measure_is_not_an_outcome() -> None:
    result = tag_article(article(
        "Microneedling with minoxidil in male androgenetic alopecia",
        (None, "Twenty-five men with AGA received microneedling with minoxidil for 6 sessions. "
               "Hair density increased from 120 to 146 hairs/cm2 at 12 weeks. We did not "
               "measure hair thickness, and patient satisfaction was not recorded.")))
    assert result.outcomes == ["hair_density"]


def test_treatments_that_failed_them_before_are_not_arms() -> None:
    result = tag_article(article(
        "Microneedling-assisted topical tofacitinib for ophiasis alopecia areata",
        (None, "We treated two patients whose ophiasis AA had failed intralesional "
               "corticosteroids and topical minoxidil. Monthly microneedling was followed by "
               "tofacitinib ointment.")))
    assert result.interventions == ["microneedling", "other_topical"]


def test_a_growth_factor_as_mechanism_or_marker_is_no_arm() -> None:
    result = tag_article(article(
        "Platelet-rich plasma with microneedling in androgenetic alopecia",
        (None, "Forty men received PRP with microneedling. PRP acts through the release of "
               "platelet-derived growth factors, and the expression of vascular endothelial "
               "growth factor rose.")))
    assert "growth_factors" not in result.interventions
    applied = tag_article(article(
        "Microneedling in androgenetic alopecia",
        (None, "Forty men received microneedling with a growth factor serum, and levels of "
               "growth factors in the scalp rose.")))
    assert "growth_factors" in applied.interventions


def test_an_oral_jak_inhibitor_is_no_topical() -> None:
    result = tag_article(article(
        "Oral tofacitinib versus methotrexate in severe alopecia areata",
        (None, "Sixty adults were randomized to oral tofacitinib 5 mg twice daily or "
               "methotrexate.")))
    assert "other_topical" not in result.interventions
    topical = tag_article(article(
        "Microneedling in alopecia areata",
        (None, "Ten patients had microneedling followed by topical Janus kinase inhibitors.")))
    assert "other_topical" in topical.interventions
    both = tag_article(article(
        "Microneedling in alopecia areata",
        (None, "Forty patients were randomized to microneedling with topical tofacitinib or "
               "oral tofacitinib 5 mg.")))
    assert "other_topical" in both.interventions


def test_a_treatment_that_failed_before_is_not_an_arm() -> None:
    result = tag_article(article(
        "Microneedling in minoxidil non-responders",
        (None, "Fourteen patients with AGA received 10 weekly microneedling sessions. Hair "
               "count increased in 9 of 14 at week 12.")))
    assert result.interventions == ["microneedling"]
    # the condition itself stays: "alopecia areata resistant to steroids" is what is studied
    resistant = tag_article(article(
        "Microneedling for alopecia areata resistant to intralesional steroids",
        (None, "Ten patients were treated with microneedling.")))
    assert resistant.conditions == ["alopecia_areata"]
    assert "corticosteroid" not in resistant.interventions


@pytest.mark.parametrize("sentence", [
    "Unlike microneedling or PRP, oral minoxidil does not require clinic visits.",
    "Compared with microneedling-assisted steroid delivery reported previously, the "
    "injection remains more effective.",
])
def test_a_treatment_the_discussion_sets_against_is_not_an_arm(sentence: str) -> None:
    result = tag_article(article(
        "Oral versus topical minoxidil in male androgenetic alopecia: a randomised trial",
        ("METHODS", "Ninety men were randomised to oral or topical minoxidil for 24 weeks."),
        ("CONCLUSION", sentence)))
    assert result.interventions == ["minoxidil"]
    assert result.relevant is False


@pytest.mark.parametrize(("sentence", "outcomes"), [
    # the disease's symptoms that improved are a result, not adverse events
    ("Four reported reduced scalp tenderness and pruritus, and trichoscopy showed increased "
     "hair density.", ["hair_density"]),
    ("Scalp pruritus and burning improved in seven, while hair density was unchanged.",
     ["hair_density"]),
    # ... while the procedure's own discomfort is one
    ("Hair density increased by 21%. Patients reported mild discomfort only.",
     ["hair_density", "adverse_events"]),
])
def test_symptoms_that_improved_are_not_adverse_events(sentence: str,
                                                       outcomes: list[str]) -> None:
    result = tag_article(article(
        "Microneedling in frontal fibrosing alopecia",
        (None, f"Nine women with frontal fibrosing alopecia underwent microneedling. {sentence}")))
    assert sorted(result.outcomes) == sorted(outcomes)


def test_a_review_that_names_gaps_for_future_research_is_still_a_review() -> None:
    result = tag_article(article(
        "Microneedling for hair loss: where do we stand?",
        (None, "Microneedling is a popular procedure. Here we summarize the devices and "
               "protocols in current use and highlight gaps for future research.")))
    assert result.design == "narrative_review"


def test_arms_without_randomization_are_a_controlled_trial() -> None:
    result = tag_article(article(
        "Microneedling with stem cell conditioned media in AGA",
        (None, "Thirty patients were enrolled (15 in each group) and treated with microneedling "
               "plus conditioned medium or microneedling plus normal saline.")))
    assert (result.design, result.sample_size) == ("controlled_trial", 30)


@pytest.mark.parametrize(("sentence", "outcomes"), [
    ("Improvement on global photographs at 6 months was more frequent with the combination.",
     ["global_assessment"]),
    ("Hair regrowth was graded on a quartile scale by two blinded dermatologists, and "
     "patients rated their improvement on a visual analogue scale.",
     ["global_assessment", "patient_assessment"]),
    # photographs taken are not yet an assessment
    ("Global photographs were taken at baseline and at the end of the study.", []),
    ("After baseline global photographs, the scalp was shaved.", []),
    ("At 12 weeks, global photographs showed improvement in 11.", ["global_assessment"]),
    ("Twenty-nine patients rated the outcome as good or excellent, and most were very "
     "satisfied.", ["patient_assessment"]),
    ("Hair growth was evaluated by three independent dermatologists.", ["global_assessment"]),
    ("A reduction of one Ludwig grade or more was seen in 14 women.", ["severity_score"]),
    ("The Norwood class improved by at least one grade in 9 men.", ["severity_score"]),
    ("Treated hairs had thicker shafts, and one woman rated herself as very satisfied.",
     ["hair_thickness", "patient_assessment"]),
    ("Discomfort was mild, atrophy was not observed and no scarring occurred.",
     ["adverse_events"]),
    # the hairs shed while combing for a minute are shedding, not a hair count
    ("Shedding, assessed with a 60-second hair count, decreased in 12 women.",
     ["hair_shedding"]),
    # photographs graded by blinded observers, a grade named, satisfaction told plainly
    ("Hair regrowth was rated on standardized photographs 3 months after the last session.",
     ["global_assessment"]),
    # a hair count read from photographs is a hair count
    ("Hair counts were evaluated from standardized photographs.", ["hair_count"]),
    ("Evaluation was done at six months by a blinded dermatologist using global photographs "
     "and by Sinclair grading.", ["global_assessment", "severity_score"]),
    ("More women improved by at least one Sinclair grade with the combination.",
     ["severity_score"]),
    ("Improvement by one or more Ludwig grades occurred in 11 women.", ["severity_score"]),
    ("She reported high satisfaction.", ["patient_assessment"]),
    ("Hair density and the satisfaction of the patients were evaluated at the end.",
     ["hair_density", "patient_assessment"]),
    # pain the patients reported is an adverse event, not their assessment of the result
    ("Hair count and patient-reported pain were recorded at each visit.",
     ["hair_count", "adverse_events"]),
    # the technique's end point is no adverse event; one the same sentence reports is
    ("The scalp was needled with a 1.5-mm dermaroller until pinpoint bleeding appeared.", []),
    ("The scalp was needled until pinpoint bleeding, and transient erythema and mild pain "
     "were the only adverse effects.", ["adverse_events"]),
    # a complication the case reports
    ("Histopathology showed a sarcoidal granulomatous reaction, and tram-track scars "
     "remained.", ["adverse_events"]),
    ("The primary outcome was patient-assessed hair preservation.", ["patient_assessment"]),
    ("Most participants preferred the combination.", ["patient_assessment"]),
    ("Global photographs at 3 and 6 months showed improvement in 12.", ["global_assessment"]),
    ("Hair loss was assessed with the Norwood-Hamilton classification at baseline.",
     ["severity_score"]),
    # a grade at inclusion, and clinicians' preference, are neither
    ("Men graded III to V on the Norwood-Hamilton scale were included.", []),
    ("Microneedling was the most preferred adjuvant, and the majority of clinicians "
     "preferred it.", []),
    # a grade recorded over time is a severity score; another disease's severity index not
    ("Evaluation included hair counts and Norwood-Hamilton classification at baseline and "
     "1 month after the last session.", ["hair_count", "severity_score"]),
    ("Efficacy was evaluated with the modified Melasma Area and Severity Index.", []),
    # how the arms were chosen is no patient assessment
    ("Allocation was by patient preference and was not randomized.", []),
])
def test_graded_photographs_and_patients_ratings_are_outcomes(
        sentence: str, outcomes: list[str]) -> None:
    result = tag_article(article(
        "Microneedling with PRP in androgenetic alopecia",
        (None, "Twenty-four patients with AGA underwent six sessions of microneedling. "
               + sentence)))
    assert result.outcomes == outcomes


@pytest.mark.parametrize(("title", "text", "relevant"), [
    # the hair-loss condition of the study's own participants, in another sentence
    ("Ludwig grade as an inclusion criterion in a microneedling study",
     "Women with Ludwig grade I-II female pattern hair loss were included. Twenty-five "
     "patients received microneedling and topical minoxidil for 24 weeks.", True),
    ("A dissolvable microneedle patch delivering exosomes",
     "We fabricated a dissolvable microneedle patch loaded with exosomes. In a mouse model "
     "of androgenetic alopecia, the patch was applied twice weekly.", True),
    # hair removed is not hair grown
    ("Fractional microneedle radiofrequency for axillary hyperhidrosis and hair reduction",
     "Twenty patients with axillary hyperhidrosis received two sessions of fractional "
     "microneedle radiofrequency; axillary hair reduction was noted in five.", False),
    # a review's one alopecia study among many indications
    ("Radiofrequency microneedling: a critical review",
     "We searched MEDLINE for radiofrequency microneedling. There were 14 studies for skin "
     "rejuvenation, 7 for acne scars and 1 for androgenetic alopecia.", False),
])
def test_relevance_reads_the_participants_condition_not_hair_removed(
        title: str, text: str, relevant: bool) -> None:
    assert tag_article(article(title, (None, text))).relevant is relevant


@pytest.mark.parametrize(("title", "sections", "design"), [
    # a trial's background or conclusion citing a review is not the record's own design
    ("Microneedling with minoxidil in androgenetic alopecia: a randomised controlled trial",
     (("BACKGROUND", "A 2021 meta-analysis suggested that microneedling enhances minoxidil."),
      ("METHODS", "Sixty men with AGA were randomised to minoxidil alone or with needling.")),
     "rct"),
    ("Microneedling in androgenetic alopecia",
     ((None, "Meta-analyses have confirmed the efficacy of topical minoxidil. We treated 20 "
             "men with microneedling. Our findings agree with a recent meta-analysis."),),
     "case_series"),
    ("Microneedling in female pattern hair loss",
     ((None, "Systematic reviews have highlighted the lack of controlled data. We treated 20 "
             "women with monthly microneedling."),), "case_series"),
    # how the allocation was made random
    ("Microneedling with PRP for eyebrow hypotrichosis",
     ((None, "Eighteen women were included. In each woman, one eyebrow, selected by coin "
             "toss, was treated with microneedling."),), "rct"),
    # arms counted apart, randomization not stated
    ("Microneedling plus PRP versus PRP alone",
     ((None, "Forty women with FPHL were allocated to PRP with microneedling (n = 20) or PRP "
             "alone (n = 20)."),), "controlled_trial"),
    ("Microneedling for persistent atrial fibrillation",
     ((None, "Microneedling was performed in 27 patients who had undergone ablation for "
             "paroxysmal (n=3) or persistent (n=24) disease."),), "case_series"),
    # cases and their matched controls
    ("Microneedling in female pattern hair loss: matched controls",
     ((None, "We reviewed the charts of 38 women treated with microneedling and 38 age- and "
             "grade-matched women treated with minoxidil alone."),), "cohort"),
])
def test_design_from_the_records_own_words(title: str, sections: tuple[tuple[str | None, str],
                                                                           ...],
                                           design: str) -> None:
    result = tag_article(article(title, *sections))
    assert result.design == design
    if title.endswith("matched controls"):
        assert result.sample_size == 76


@pytest.mark.parametrize("plan", ["A controlled trial is planned.",
                                  "Randomized vehicle-controlled trials are now planned.",
                                  "A larger randomized study is planned."])
def test_a_trial_still_to_come_is_not_the_records_design(plan: str) -> None:
    result = tag_article(article(
        "Microneedling with minoxidil in chemotherapy-induced alopecia",
        (None, f"Twelve survivors were treated with microneedling and minoxidil. {plan}")))
    assert result.design == "case_series"


def test_conditions_said_not_to_be_there_are_not_tagged() -> None:
    result = tag_article(article(
        "Microneedling for hair loss",
        (None, "Twenty women with non-androgenetic hair loss, other than androgenetic alopecia "
               "and alopecia areata, were treated with microneedling while stable for a year "
               "on oral dutasteride.")))
    assert "androgenetic_alopecia" not in result.conditions
    assert "alopecia_areata" not in result.conditions
    assert "finasteride" not in result.interventions


def test_a_pen_named_with_its_needle_depth_is_a_dermapen() -> None:
    pen = tag_article(article("Microneedling with minoxidil in AGA", (
        None, "Twenty men with AGA had microneedling (1.0 mm pen) every 2 weeks.")))
    assert pen.devices == ["dermapen"]
    automated = tag_article(article("Microneedling in AGA", (
        None, "Twenty men with AGA were treated with an automated device at 1.5 mm.")))
    assert automated.devices == ["dermapen"]
    implanter = tag_article(article("Implanter pens in follicular unit excision", (
        None, "Sixty men were allocated to grafts placed with 1 mm implanter pens or "
              "forceps.")))
    assert implanter.devices == []
    trichoscan = tag_article(article("Hair counts in AGA", (
        None, "Hair counts of 20 men were measured with an automated device (TrichoScan).")))
    assert (trichoscan.devices, trichoscan.interventions) == ([], [])


def test_a_protocol_in_the_present_tense_plans_its_outcomes() -> None:
    result = tag_article(article(
        "Microneedling plus minoxidil in female pattern hair loss (MINT-F): rationale and "
        "design of a multicentre randomised controlled trial",
        ("METHODS", "We plan to enrol 120 women with FPHL, who are allocated 1:1 to minoxidil "
                    "or minoxidil plus microneedling. The primary outcome is change in hair "
                    "density at week 24.")))
    assert (result.design, result.outcomes) == ("other", [])


def test_a_notice_about_another_record_has_no_design_or_outcomes_of_its_own() -> None:
    for notice in ("Published Erratum", "Retraction of Publication"):
        result = tag_article(article(
            "Microneedling with minoxidil: a randomized controlled trial",
            (None, "In the article, hair density at 12 weeks was misreported as 146 "
                   "hairs/cm2."), types=["Journal Article", notice]))
        assert (result.design, result.outcomes) == ("other", [])
    # before PubMed types it, its title says so
    for title in ("Retraction Note: Microneedling with minoxidil: a randomized trial",
                  "Correction to: Microneedling with minoxidil: a randomized trial",
                  "Erratum: Microneedling with minoxidil: a randomized trial"):
        result = tag_article(article(title, (None, "Hair density at 12 weeks was misreported "
                                                   "as 146 hairs/cm2.")))
        assert (result.design, result.outcomes) == ("other", [])
    # a study whose title begins with the word is a study
    assert tag_article(article("Correction of hairline asymmetry: a randomized trial",
                               (None, "Forty men were randomized."))).design == "rct"


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


def test_a_term_ending_in_a_space_is_rejected(tmp_path: Path) -> None:
    """Terms end at a word end: "protocol for a " could never match a title."""
    bad = tmp_path / "devices.toml"
    bad.write_text('kind = "device"\n[[rule]]\nid = "x"\ncode = "dermapen"\n'
                   'terms = ["pen for a "]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"devices\.toml.*'pen for a ' ends in white space"):
        load_lexicon(bad, "device")


def test_a_protocol_title_is_no_study_yet() -> None:
    for title in ("Microneedling for androgenetic alopecia: protocol for a systematic review "
                  "and meta-analysis",
                  "Microneedling plus minoxidil: protocol for a randomized controlled trial"):
        result = tag_article(article(title, ("METHODS", "We will search PubMed and Embase.")))
        assert result.design == "other", title


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


# What a reader of the evidence sentence would contradict (tagger 2026.12.2).

def test_a_call_for_trials_is_not_the_design_and_another_meta_analysis_is_not_this_one() -> None:
    series = article(
        "Microneedling for androgenetic alopecia: a case series",
        ("METHODS", "Twelve men with androgenetic alopecia received six microneedling sessions."),
        ("RESULTS", "Hair density increased in all patients."),
        ("CONCLUSIONS", "Larger randomized controlled trials are needed to confirm this."),
    )
    result = tag_article(series)
    assert (result.design, result.evidence_level) == ("case_series", 4)
    compared = article("Microneedling in alopecia", (None, "We treated 20 patients with "
                       "microneedling. Hair density increased more than in a previous "
                       "meta-analysis."))
    assert tag_article(compared).design == "case_series"
    uncontrolled = article("Needling for hair loss", (None, "A quasi-experimental design "
                           "without control group was used in 25 patients."))
    assert tag_article(uncontrolled).design == "case_series"


@pytest.mark.parametrize("sentence", [
    "Thirty male C57BL/6 mice were randomly divided into three groups.",
    "Ten male beagles were randomly allocated to three groups.",
    "Twenty patient-derived xenografts were grown in nude animals.",
])
def test_animals_are_not_participants(sentence: str) -> None:
    result = tag_article(article("Microneedling and hair regrowth", (None, sentence)))
    assert (result.design, result.sample_size) == ("preclinical", None)


@pytest.mark.parametrize(("sentence", "count"), [
    ("One-hundred and twenty patients with alopecia were enrolled.", 120),
    ("One-hundred eleven patient records were reviewed.", 111),
    ("The study evaluated the scalps of 18\u2009804 patients.", 18_804),
    ("Of 50 patients screened, 40 were randomized.", 40),
    ("The study included 18 women and 12 men with hair loss.", 30),
    ("Patients were divided into two groups of 20 patients each.", 40),
    ("The patients included 31 females and three males.", 34),
])
def test_sample_size_counts_the_people_enrolled(sentence: str, count: int) -> None:
    result = tag_article(article("Microneedling for hair loss", ("METHODS", sentence)))
    assert result.sample_size == count
    assert next(t for t in result.tags if t.kind == "sample_size").sentence == sentence


def test_people_who_left_are_not_the_sample_nor_a_type_of_disease() -> None:
    left = article("Microneedling for hair loss",
                   (None, "A total of 3 patients dropped out; 57 completed the study."))
    assert tag_article(left).sample_size is None
    diabetic = article("Wound healing", (None, "Serum from type 2 diabetic patients was used."))
    assert tag_article(diabetic).sample_size is None


@pytest.mark.parametrize(("sentence", "depth"), [
    ("Needling was done at a depth of 0.5 mm to 1.5 mm.", (0.5, 1.5)),
    ("The needling depth was between 0.5 and 1.5 mm.", (0.5, 1.5)),
    ("The depth ranged from 0.5 mm (frontal) to 2.5 mm (vertex).", (0.5, 2.5)),
    ("The depth was 1.5 mm on the vertex and 1.0 mm on the temples.", (1.0, 1.5)),
    ("A dermaroller with 1.5-mm needles was used.", (1.5, 1.5)),
    ("Needle lengths of 0.5 to 2.0 mm were used.", (0.5, 2.0)),
    ("Needles up to 2.5 mm long were avoided; the depth used was 1 mm.", (1.0, 1.0)),
    ("Microneedling was done weekly; the hair was cut to 2 mm length.", None),
])
def test_needle_depth_keeps_both_ends_and_only_the_needle(sentence: str,
                                                           depth: tuple[float, float] | None):
    result = tag_article(article("Microneedling for alopecia", (None, "Twenty patients with "
                                 "alopecia were treated. " + sentence)))
    assert result.needle_depth_mm == depth


def test_a_rate_of_sessions_is_not_their_number() -> None:
    rate = article("Microneedling for alopecia", ("METHODS", "Twenty patients received "
                   "microneedling, 2 sessions per month for 6 months."))
    assert tag_article(rate).sessions is None
    spaced = article("Microneedling for alopecia", ("METHODS", "Twenty patients received "
                     "microneedling, six sessions a month apart."))
    assert tag_article(spaced).sessions == 6


def test_how_long_people_had_hair_loss_is_not_follow_up() -> None:
    result = tag_article(article("Microneedling for alopecia", ("METHODS", "Twenty patients "
                         "with hair loss for 6 months or longer were included and were "
                         "assessed at 12 weeks.")))
    assert result.follow_up_weeks == 12


def test_exclusion_criteria_are_not_arms_or_conditions() -> None:
    trial = article(
        "Microneedling with minoxidil for male androgenetic alopecia",
        ("METHODS", "Forty men with androgenetic alopecia were randomized to microneedling plus "
                    "minoxidil or minoxidil alone. Patients who had used finasteride or PRP "
                    "within the previous 6 months were excluded. Patients with alopecia areata, "
                    "telogen effluvium or scarring alopecia were excluded. Pregnant or lactating "
                    "women were excluded. Patients were asked to avoid laser hair removal."),
        ("RESULTS", "Hair count increased more with microneedling."),
    )
    result = tag_article(trial)
    assert result.interventions == ["microneedling", "minoxidil"]
    assert result.conditions == ["androgenetic_alopecia"]


def test_what_was_not_measured_or_is_left_to_future_trials_is_not_tagged() -> None:
    series = article(
        "Microneedling for androgenetic alopecia",
        ("METHODS", "Thirty patients with androgenetic alopecia underwent microneedling. Hair "
                    "count was measured at 12 weeks. Hair density was not assessed."),
        ("CONCLUSIONS", "Future studies should assess hair thickness and patient satisfaction. "
                        "Microneedling may be combined with PRP or exosomes in future trials."),
    )
    result = tag_article(series)
    assert result.outcomes == ["hair_count"]
    assert result.interventions == ["microneedling"]


def test_an_outcome_cites_where_it_was_reported_rather_than_the_aim() -> None:
    trial = article(
        "Microneedling for androgenetic alopecia",
        ("OBJECTIVE", "To assess the efficacy and safety of microneedling."),
        ("METHODS", "Thirty patients with androgenetic alopecia underwent microneedling."),
        ("RESULTS", "Mild erythema was the only adverse event."),
    )
    evidence = next(t for t in tag_article(trial).tags if t.code == "adverse_events")
    assert evidence.sentence == "Mild erythema was the only adverse event."
    aim_only = article("Microneedling for androgenetic alopecia",
                       ("OBJECTIVE", "To assess the efficacy and safety of microneedling."),
                       ("METHODS", "Thirty patients underwent microneedling."))
    assert "adverse_events" in tag_article(aim_only).outcomes  # the aim alone still counts


@pytest.mark.parametrize(("rule", "how"), [
    ("design.case_series.participants", "inferred from who was counted"),
    ("design.narrative_review.fallback", "inferred: no design is named"),
    ("design.rct.publication_type", "PubMed publication type"),
    ("design.rct.text", "stated in the text"),
    ("intervention.microneedling.device.dermaroller", "implied by the device named"),
    ("outcome.hair_count.lexicon", "stated in the text"),
    ("sample_size.participants", "stated in the text"),
    ("condition.female_pattern_hair_loss.participants", "inferred: women among the participants"),
])
def test_each_rule_the_tagger_writes_says_how_it_decided(rule: str, how: str) -> None:
    from evidence.labels import how_tagged

    assert how_tagged(rule) == how


# The checks of 2026.12.2 must not drop what is true: what a second review found
# (tagger 2026.12.3). Each case: one METHODS or RESULTS sentence, what must hold.
M, R = "METHODS", "RESULTS"
KEEPS_WHAT_IS_TRUE = [
    ("inclusion criteria are not exclusions",
     (M, "According to the inclusion and exclusion criteria, 60 patients with androgenetic "
         "alopecia were randomly divided into a microneedling plus minoxidil group and a "
         "minoxidil group."),
     {"interventions": ["microneedling", "minoxidil"], "conditions": ["androgenetic_alopecia"],
      "relevant": True}),
    ("an exclusion in a later clause",
     (M, "Sixty men with androgenetic alopecia were randomized to microneedling with minoxidil "
         "or minoxidil alone after patients with scarring alopecia were excluded."),
     {"interventions": ["microneedling", "minoxidil"], "conditions": ["androgenetic_alopecia"]}),
    ("excluded from the analysis",
     (M, "Six patients were excluded from the analysis, leaving 34 patients with androgenetic "
         "alopecia for microneedling with PRP or PRP alone."),
     {"interventions": ["microneedling", "prp"], "conditions": ["androgenetic_alopecia"]}),
    ("an instruction is not an exclusion",
     (M, "To avoid irritation, topical minoxidil was applied 24 hours after each microneedling "
         "session in all 30 patients with androgenetic alopecia."),
     {"interventions": ["microneedling", "minoxidil"], "conditions": ["androgenetic_alopecia"]}),
    ("what was stopped before the arm",
     (M, "Patients were asked to discontinue any topical treatment 1 month before starting "
         "microneedling with PRP, which was performed in 4 sessions."),
     {"interventions": ["microneedling", "prp"], "sessions": 4}),
    ("a condition after an exclusion clause",
     (M, "Patients with alopecia areata or telogen effluvium were excluded, and 25 women with "
         "androgenetic alopecia were treated with microneedling."),
     {"conditions": ["androgenetic_alopecia", "female_pattern_hair_loss"]}),
    ("grades are not the sample",
     (M, "Forty women with Ludwig grades 1 and 2 were included."), {"sample_size": 40}),
    ("an age limit is not the sample",
     (M, "Sixty patients aged above 18 were included."), {"sample_size": 60}),
    ("a count then those who left",
     (M, "Forty patients were randomized and 3 withdrew before the first session."),
     {"sample_size": 40}),
    ("those set aside are not the sample",
     (M, "After excluding 5 patients with thyroid disease, 40 patients with androgenetic "
         "alopecia underwent 4 sessions of microneedling."), {"sample_size": 40}),
    ("those enrolled after screening",
     (M, "A total of 72 patients were assessed for eligibility and 60 were enrolled."),
     {"sample_size": 60}),
    ("a measured outcome beside an unmeasured one",
     (R, "Hair density and hair count were assessed by trichoscopy, and hair thickness was "
         "not measured."),
     {"outcomes": ["hair_density", "hair_count"]}),
    ("safety not reported is safety reported",
     (R, "Adverse events were not reported in either group."), {"outcomes": ["adverse_events"]}),
    ("follow-up of a year or longer",
     (M, "Twenty men were treated with microneedling and followed up for 12 months or longer."),
     {"follow_up_weeks": 52}),
    ("hair trimmed, then the needles",
     (M, "Hair was trimmed to 1 mm and 1.5 mm needles were used in 20 men."),
     {"needle_depth_mm": (1.5, 1.5)}),
    ("a list of depths",
     (M, "Twenty men were needled at depths of 0.5, 1.0 and 1.5 mm."),
     {"needle_depth_mm": (0.5, 1.5)}),
    ("none excluded",
     (M, "All 40 patients randomized to microneedling or topical minoxidil completed the "
         "trial and none were excluded."),
     {"interventions": ["microneedling", "minoxidil"]}),
    ("rabbits with many words between",
     (M, "Twenty-four male New Zealand white rabbits were randomly divided into three groups "
         "and treated with minoxidil-loaded microneedle patches."),
     {"design": "preclinical", "sample_size": None}),
]


@pytest.mark.parametrize(("section", "expected"), [case[1:] for case in KEEPS_WHAT_IS_TRUE],
                         ids=[case[0] for case in KEEPS_WHAT_IS_TRUE])
def test_the_exclusion_future_and_count_checks_keep_what_is_true(
        section: tuple[str, str], expected: dict[str, object]) -> None:
    result = tag_article(article("Microneedling in hair loss", section))
    assert {key: getattr(result, key) for key in expected} == expected


@pytest.mark.parametrize("call", [
    "Larger randomized controlled trials are needed to confirm this.",
    "Randomized controlled trials are needed.",
    "Prospective randomized controlled trials are required.",
    "A randomized controlled trial is needed.",
    "These findings should be confirmed in randomized controlled trials.",
])
def test_every_common_call_for_trials_leaves_a_case_series_one(call: str) -> None:
    series = article("Microneedling for androgenetic alopecia",
                     (M, "Twelve men with androgenetic alopecia received six microneedling "
                         "sessions."),
                     (R, "Hair density increased in all patients."), ("CONCLUSIONS", call))
    assert tag_article(series).design == "case_series"


def test_a_case_report_calling_for_larger_studies_stays_a_case_report() -> None:
    report = article("Microneedling for alopecia areata", (None, "We report a 32-year-old "
                     "woman with alopecia areata treated with 6 sessions of microneedling plus "
                     "triamcinolone; hair regrowth was complete, but larger studies are needed."))
    result = tag_article(report)
    assert (result.design, result.sample_size, result.sessions) == ("case_report", 1, 6)
    assert result.interventions == ["microneedling", "corticosteroid"]


@pytest.mark.parametrize("sentence", [
    "A meta-analysis of more than 15 RCTs was performed.",
    "Prior to meta-analysis, heterogeneity was assessed with I2.",
    "A meta-analysis of 9 RCTs was performed, updating an earlier meta-analysis.",
])
def test_a_meta_analysis_is_one_whatever_it_says_of_others(sentence: str) -> None:
    review = article("Microneedling for androgenetic alopecia", (M, sentence))
    assert tag_article(review).design == "meta_analysis"


def test_two_brothers_are_a_case_report() -> None:
    report = article("Microneedling for alopecia areata", (None, "We describe two brothers "
                     "with alopecia areata universalis who regrew hair after microneedling "
                     "with triamcinolone."))
    assert tag_article(report).design == "case_report"


def test_female_mice_are_not_women_with_pattern_hair_loss() -> None:
    model = article("Microneedling and exosomes in an androgenetic alopecia model", (M,
                    "Androgenetic alopecia was induced with testosterone in 30 female C57BL/6 "
                    "mice, which were treated with microneedling plus exosomes."))
    assert "female_pattern_hair_loss" not in tag_article(model).conditions


@pytest.mark.parametrize(("sentence", "expected"), [
    ("The dermapen was set at 1.5 mm in 20 men with androgenetic alopecia.",
     {"needle_depth_mm": (1.5, 1.5)}),
    ("Thirty patients received dermaroller microneedling (1.5 mm) once a month.",
     {"needle_depth_mm": (1.5, 1.5)}),
    ("Microneedling was done and hair was trimmed to 1 mm in 20 men.",
     {"needle_depth_mm": None}),
    ("Twenty men were treated with 1.5-mm-long needles.", {"needle_depth_mm": (1.5, 1.5)}),
    ("The needle length was 600 micrometres in 20 men.", {"needle_depth_mm": (0.6, 0.6)}),
    ("Men with AGA (n=40) were randomized to microneedling or minoxidil.", {"sample_size": 40}),
    ("Patients with alopecia areata (n = 61), women with telogen effluvium (n = 35) and "
     "healthy women (n = 30) were included.", {"sample_size": 126}),
    ("Patients in the microneedling group (n = 20) and the control group (n = 20) were "
     "compared.", {"sample_size": None}),
])
def test_devices_set_to_a_depth_and_counts_in_brackets(sentence: str,
                                                       expected: dict[str, object]) -> None:
    result = tag_article(article("Microneedling in hair loss", (M, sentence)))
    assert {key: getattr(result, key) for key in expected} == expected


def test_one_patient_described_is_a_case_report_but_not_inside_a_trial() -> None:
    report = article("Microneedling in alopecia areata", (None, "A 24-year-old woman with "
                     "alopecia areata was treated with microneedling and triamcinolone. "
                     "Regrowth was complete after four sessions."))
    assert (tag_article(report).design, tag_article(report).sample_size) == ("case_report", 1)
    series = article("Microneedling in alopecia", (M, "Forty patients with alopecia were "
                     "treated with microneedling."), (R, "A 45-year-old woman developed "
                     "folliculitis."))
    assert tag_article(series).design == "case_series"


def test_max_counted_must_be_a_whole_number(tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    design = rules / "design.toml"
    design.write_text(design.read_text(encoding="utf-8").replace("max_counted = 3",
                                                                 "max_counted = 'three'"),
                      encoding="utf-8")
    with pytest.raises(ValueError, match=r"max_counted must be a whole number, got 'three'"):
        load_rules(rules)


@pytest.mark.parametrize(("text", "design", "count"), [
    ("Forty patients had been randomized to microneedling plus minoxidil or minoxidil "
     "alone.", "rct", 40),
    ("Twenty men with androgenetic alopecia underwent microneedling. Hair density "
     "increased.", "case_series", 20),
    ("Thirty-six women with alopecia areata received microneedling with triamcinolone.",
     "case_series", 36),
])
def test_a_count_in_words_opens_what_the_study_did(text: str, design: str, count: int) -> None:
    """In an unstructured abstract the sentences before the first one saying what this
    study did are background; a count written in words says it as digits do."""
    result = tag_article(article("Microneedling in hair loss", (None, text)))
    assert (result.design, result.sample_size) == (design, count)


def test_a_share_of_patients_in_words_is_still_background() -> None:
    background = article("Microneedling for androgenetic alopecia", (None, "Two thirds of "
                         "patients with androgenetic alopecia respond poorly to minoxidil. "
                         "We treated 20 men with microneedling."))
    result = tag_article(background)
    assert result.sample_size == 20 and result.interventions == ["microneedling"]


@pytest.mark.parametrize(("sentence", "arms"), [
    ("Sixty men were randomized to microneedling with minoxidil, with PRP not permitted "
     "during the study.", ["microneedling", "minoxidil"]),
    ("Sixty men were randomized to microneedling with minoxidil; PRP use not allowed.",
     ["microneedling", "minoxidil"]),
    ("Sixty men were randomized to microneedling with minoxidil (concomitant treatments not "
     "permitted).", ["microneedling", "minoxidil"]),
])
def test_a_treatment_not_permitted_is_no_arm(sentence: str, arms: list[str]) -> None:
    result = tag_article(article("Microneedling in androgenetic alopecia", (M, sentence)))
    assert result.interventions == arms


def _one(title: str, text: str, *, types: list[str] | None = None,
         label: str | None = None) -> Tagging:
    return tag_article(article(title, (label, text), types=types))


@pytest.mark.parametrize(("title", "text", "design"), [
    ("Microneedling for telogen effluvium: study protocol for a randomized controlled trial",
     "This protocol describes a randomized trial in which 80 women will be allocated to "
     "microneedling or sham needling.", "other"),
    ("Microneedling for alopecia areata: a systematic review",
     "We systematically searched MEDLINE for studies of microneedling. Owing to "
     "heterogeneity, no meta-analysis was performed.", "systematic_review"),
    ("Microneedling with PRP for female pattern hair loss: a retrospective chart review",
     "We reviewed the charts of 52 women treated with microneedling and PRP.", "case_series"),
    ("Microneedling on one side of the scalp in alopecia totalis",
     "In 11 patients, one side of the scalp chosen at random was treated with microneedling "
     "and the other side was left untreated.", "rct"),
    ("Quasi-randomized comparison of microneedling with minoxidil versus minoxidil alone",
     "Men with androgenetic alopecia attending on odd days (n = 21) received microneedling.",
     "controlled_trial"),
    ("Platelet-rich plasma with or without microneedling",
     "Sixty patients were enrolled and allocated to PRP injections alone or PRP followed by "
     "microneedling.", "controlled_trial"),
    ("Microneedling as an adjunct to steroids in alopecia areata",
     "In 16 patients, half of the patches in each patient received microneedling.",
     "controlled_trial"),
    ("Finasteride effects on dermal papilla cells",
     "Human dermal papilla cells were cultured with finasteride.", "preclinical"),
])
def test_design_cues_read_what_the_record_did(title: str, text: str, design: str) -> None:
    assert _one(title, text, label=M).design == design


def test_a_letter_with_patients_is_their_design_and_one_without_is_other() -> None:
    cases = _one("Microneedling-assisted triamcinolone in alopecia totalis", "We treated two "
                 "patients with alopecia totalis with microneedling and topical triamcinolone.",
                 types=["Letter"])
    assert cases.design == "case_report"
    opinion = _one("Microneedling deserves better trials", "Microneedling is popular in "
                   "hair clinics.", types=["Letter"])
    assert opinion.design == "other"


@pytest.mark.parametrize(("text", "design", "count"), [
    ("In this randomized trial, 48 women received dermapen microneedling plus minoxidil or "
     "minoxidil alone.", "rct", 48),
    ("40 men with androgenetic alopecia received weekly microneedling.", "case_series", 40),
    ("A 34-year-old woman with alopecia universalis received scalp microneedling with "
     "tofacitinib.", "case_report", 1),
])
def test_unstructured_abstracts_that_open_with_the_study(text: str, design: str,
                                                         count: int) -> None:
    result = _one("Microneedling in hair loss", text)
    assert (result.design, result.sample_size) == (design, count)


@pytest.mark.parametrize(("text", "present", "absent"), [
    ("Forty men received microneedling. Patients tolerated both procedures well.",
     {"adverse_events"}, set()),
    ("Forty men received microneedling. One patient reported transient headache.",
     {"adverse_events"}, {"patient_assessment"}),
    ("Forty men with telogen effluvium after COVID-19 infection received microneedling. "
     "Hair shedding fell.", {"hair_shedding"}, {"adverse_events"}),
    ("Forty men received microneedling. Hair regrowth was graded by the investigator at "
     "12 weeks.", {"global_assessment"}, set()),
    ("Forty men received microneedling. Neither hair count nor hair density was measured. "
     "Shedding fell.", {"hair_shedding"}, {"hair_count", "hair_density"}),
    ("Forty men received microneedling. Hair density rose; hair thickness data were not "
     "available because of device failure.", {"hair_density"}, {"hair_thickness"}),
    ("Forty men received microneedling. Hair density rose. Adverse events were not recorded.",
     {"hair_density"}, {"adverse_events"}),
    ("Forty men received microneedling. Hair density rose. Serious adverse events were not "
     "recorded in any patient.", {"hair_density", "adverse_events"}, set()),
])
def test_outcomes_as_reported(text: str, present: set[str], absent: set[str]) -> None:
    outcomes = set(_one("Microneedling in hair loss", text, label=M).outcomes)
    assert present <= outcomes and not absent & outcomes


def test_an_aim_the_results_say_was_not_met_is_no_outcome() -> None:
    trial = article("Exosomes by microneedling in androgenetic alopecia",
                    ("OBJECTIVE", "To assess hair density and hair thickness after exosomes."),
                    (M, "Twenty men received microneedling with exosomes."),
                    (R, "Hair density increased; hair thickness data were not available."))
    assert tag_article(trial).outcomes == ["hair_density"]


def test_a_protocol_has_measured_nothing_yet() -> None:
    protocol = _one("Microneedling for telogen effluvium: study protocol for a randomized "
                    "controlled trial", "Eighty women will be randomized. The primary outcome "
                    "will be the hair pull test; secondary outcomes include hair density.",
                    label=M)
    assert (protocol.design, protocol.outcomes) == ("other", [])


def test_a_review_reports_what_its_studies_found() -> None:
    review = _one("Microneedling for androgenetic alopecia: a review of randomized trials",
                  "Randomized trials have compared microneedling with minoxidil against "
                  "monotherapy. Most report greater increases in hair count, with mild pain.")
    assert review.design == "narrative_review"
    assert set(review.outcomes) == {"hair_count", "adverse_events"}
    opinion = _one("Needling the scalp: where do we stand?", "Microneedling is popular, yet "
                   "most trials are small. Outcome measures such as hair counts are needed.")
    assert opinion.outcomes == []


@pytest.mark.parametrize(("title", "text", "arms"), [
    ("Microneedling with PRP in androgenetic alopecia after a finasteride washout",
     "Twenty men received four sessions of microneedling with PRP.", ["microneedling", "prp"]),
    ("Microneedling in androgenetic alopecia", "Thirty minoxidil-naive men received "
     "microneedling.", ["microneedling"]),
    ("Microneedling in androgenetic alopecia", "Thirty men received microneedling. Patients "
     "were excluded if they had received PRP or laser therapy in the previous year.",
     ["microneedling"]),
])
def test_treatments_withheld_are_no_arms(title: str, text: str, arms: list[str]) -> None:
    assert _one(title, text, label=M).interventions == arms


def test_microneedling_left_to_future_studies_is_no_arm_of_bench_work() -> None:
    bench = _one("Exosomes enhance proliferation of hair follicle cells in vitro",
                 "Exosomes were added to cultured human outer root sheath cells. These findings "
                 "support exosome delivery by microneedling in future clinical studies.", label=M)
    assert (bench.design, bench.relevant) == ("preclinical", False)
    assert "microneedling" not in bench.interventions


@pytest.mark.parametrize(("text", "devices"), [
    ("Ten women were treated with a pen device at a depth of 0.5 mm.", ["dermapen"]),
    ("Twelve men were treated with an automated pen followed by dutasteride.", ["dermapen"]),
    ("Twelve women had minoxidil plus microneedling (1.0-mm pen).", ["dermapen"]),
])
def test_pen_devices(text: str, devices: list[str]) -> None:
    assert _one("Microneedling in hair loss", text, label=M).devices == devices


@pytest.mark.parametrize("title", [
    "Microneedling with topical minoxidil in lichen planopilaris: three cases",
    "Needling and topical minoxidil in MPHL",
])
def test_a_hair_disease_by_name_makes_needling_relevant(title: str) -> None:
    result = _one(title, "Forty-four patients received microneedling with minoxidil.", label=M)
    assert result.relevant is True


def test_an_unstructured_abstract_that_opens_with_random_assignment_is_the_study() -> None:
    """"were randomly assigned" says what this record did: before, every sentence before
    one with "we" was background, and the trial lost its numbers and outcomes."""
    result = tag_article(article(
        "Microneedling in female pattern hair loss",
        (None, "Women with androgenetic alopecia were randomly assigned to microneedling at "
               "1.0 mm or sham, with eight sessions at 2-week intervals. Hair count was "
               "measured at week 20.")))
    assert (result.design, result.needle_depth_mm, result.sessions, result.follow_up_weeks,
            result.outcomes) == ("rct", (1.0, 1.0), 8, 20, ["hair_count"])


def test_a_reviews_search_for_two_conditions_is_no_keyword_list() -> None:
    """Only capitals make a search string ("microneedling OR dermaroller"): the "and" of
    "alopecia areata and telogen effluvium" does not."""
    text = ("PubMed was searched for clinical studies of microneedling in alopecia areata and "
            "telogen effluvium.")
    review = tag_article(article("Microneedling beyond androgenetic alopecia: a systematic "
                                 "review", (None, text), types=["Review"]))
    assert {"alopecia_areata", "telogen_effluvium"} <= set(review.conditions)
    keywords = tag_article(article("Microneedling: a systematic review", (None, (
        "The search terms were microneedling OR dermaroller AND alopecia areata.")),
        types=["Review"]))
    assert "alopecia_areata" not in keywords.conditions


@pytest.mark.parametrize(("title", "relevant"), [
    ("Microneedling for non-androgenetic alopecias: what does the evidence say?", True),
    # a hair word as the place or a side effect of needling for another indication
    ("Microneedling-assisted photodynamic therapy for actinic keratoses of the bald scalp: a "
     "randomized split-scalp trial", False),
    ("Eyebrow asymmetry after microneedling for melasma", False),
    ("Microneedling for widened donor-site scars after strip harvesting in hair restoration "
     "surgery", False),
    # needling for the hair, or for both
    ("Microneedling for scarring alopecia", True),
    ("Microneedling for acne scars and alopecia areata", True),
])
def test_what_the_title_says_the_needling_was_for(title: str, relevant: bool) -> None:
    result = _one(title, "Twenty patients were treated with microneedling.", label=M)
    assert result.relevant is relevant


def test_scarring_the_needling_caused_is_no_other_indication() -> None:
    """A complication of needling for hair loss is about microneedling for hair loss."""
    result = _one("Tram-track scarring of the scalp after home use of a 2.0-mm dermaroller",
                  "A woman with female pattern hair loss performed self-treatment with a "
                  "2.0-mm dermaroller.", label=M)
    assert result.relevant is True
    assert "adverse_events" in result.outcomes
    treated = _one("Microneedling for atrophic acne scars", "Twenty patients were treated "
                   "with microneedling; hair loss was not seen.", label=M)
    assert treated.relevant is False
    # scars it treated, whatever caused them
    varicella = _one("Microneedling of atrophic scars following varicella infection",
                     "Twenty patients were treated with microneedling; no hair loss "
                     "occurred.", label=M)
    assert varicella.relevant is False


def test_a_case_series_of_three_is_a_case_report() -> None:
    """TAGS.md: a case report is one to three patients, whatever the title calls it."""
    result = _one("Microneedling with minoxidil in adolescent alopecia areata: a case series",
                  "We report three adolescents with patchy alopecia areata treated with "
                  "microneedling.", label=M)
    assert (result.design, result.sample_size) == ("case_report", 3)


@pytest.mark.parametrize(("title", "condition"), [
    ("Microneedling for permanent alopecia after busulfan-based conditioning",
     "chemotherapy_induced_alopecia"),
    ("Microneedle patches in testosterone-induced alopecia in mice", "androgenetic_alopecia"),
])
def test_a_condition_named_by_its_cause(title: str, condition: str) -> None:
    result = _one(title, "Two patients were treated with microneedling.", label=M)
    assert condition in result.conditions


def test_a_one_group_quasi_experiment_is_a_case_series() -> None:
    result = _one("Microneedling in female pattern hair loss: a quasi-experimental one-group "
                  "pretest-posttest study", "Thirty women received six sessions of "
                  "microneedling.", label=M)
    assert result.design == "case_series"


def test_a_keyword_list_is_a_search_in_any_case() -> None:
    """"using the keywords microneedling, dermaroller, platelet-rich plasma and minoxidil"
    names what was searched for, not the review's arms."""
    result = tag_article(article(
        "Microneedling in androgenetic alopecia: a systematic review",
        (None, "PubMed and Embase were searched using the keywords microneedling, "
               "dermaroller, platelet-rich plasma and minoxidil."), types=["Review"]))
    assert "prp" not in result.interventions and "minoxidil" not in result.interventions


def test_a_study_evaluated_in_other_studies_is_reported_not_called_for() -> None:
    result = tag_article(article(
        "Botulinum toxin for androgenetic alopecia: a systematic review and meta-analysis",
        ("RESULTS", "Combination of botulinum toxin with oral finasteride was evaluated in "
                    "two studies."), types=["Meta-Analysis"]))
    assert "finasteride" in result.interventions
    called_for = tag_article(article(
        "Botulinum toxin for androgenetic alopecia",
        ("CONCLUSIONS", "Its combination with finasteride should be evaluated in larger "
                        "trials.")))
    assert "finasteride" not in called_for.interventions


def test_a_traditional_needling_device_is_microneedling() -> None:
    """TAGS.md: any needling device used on skin."""
    result = _one("Plum-blossom needle tapping with topical minoxidil for alopecia areata",
                  "Sixty patients were tapped with the needle until slight erythema.", label=M)
    assert (result.relevant, result.interventions) == (True, ["microneedling", "minoxidil"])


def test_the_reason_for_relevance_is_a_sentence_that_names_the_needling() -> None:
    """The study view shows this sentence as why the record is on topic: a title that
    names only the hair loss is no reason to believe it is about microneedling."""
    from evidence.labels import how_tagged

    text = "Forty children were treated with microneedling followed by topical minoxidil."
    result = _one("Intradermal minoxidil injections for patchy alopecia areata", text,
                  label=M)
    assert result.relevant is True
    reason = next(tag for tag in result.tags if tag.kind == "relevant")
    assert reason.sentence == text
    assert how_tagged(reason.rule) == "hair in the title, microneedling in this sentence"
    titled = _one("Microneedling for alopecia areata", text, label=M)
    reason = next(tag for tag in titled.tags if tag.kind == "relevant")
    assert reason.source == "title"
    assert how_tagged(reason.rule) == "microneedling and hair in the title"


@pytest.mark.parametrize("sentence", [
    "A washout period of 3 months was required for minoxidil and finasteride.",
    "All had been using minoxidil and finasteride for 2 years before enrolment.",
    "Minoxidil was discontinued 3 months before the study.",
    "No patient had received finasteride or minoxidil within 6 months.",
    "Minoxidil was not applied.",
    "Minoxidil is the only FDA-approved topical therapy.",
])
def test_what_was_used_before_or_is_true_in_general_is_no_arm(sentence: str) -> None:
    trial = article("Microneedling monotherapy in androgenetic alopecia",
                    (M, "Thirty men were treated with microneedling alone. " + sentence),
                    (R, "Hair count increased by 15%."))
    assert tag_article(trial).interventions == ["microneedling"]


def test_a_treatment_stopped_by_some_is_still_an_arm() -> None:
    trial = article("Microneedling with minoxidil", (M, "Thirty men were treated with "
                    "microneedling and minoxidil. Minoxidil was discontinued in two patients "
                    "because of irritation."))
    assert tag_article(trial).interventions == ["microneedling", "minoxidil"]


def test_a_case_report_keeps_ages_histories_and_lesions_out_of_its_numbers() -> None:
    """Ages, pregnancy weeks, years since an operation and a lesion's size are not the
    sample, the follow-up or a needle depth (each was read so on real records)."""
    pregnancy = _one("Neonatal outcome after oral dexamethasone: a case report",
                     "A 34 year-old pregnant woman was planned for caesarean section at 36 "
                     "weeks of gestation.")
    assert (pregnancy.sample_size, pregnancy.follow_up_weeks) == (1, None)
    surgery = _one("Late empyema after pneumonectomy", "A 58-year-old male presented with "
                   "empyema 18 years after undergoing pneumonectomy. The 72-month follow-up "
                   "was uneventful.")
    assert surgery.follow_up_weeks == 312
    lesion = _one("Aortic perforation by a pacing lead: case report", "A 45-year-old woman "
                  "died; the aorta had a deep lesion, 2 mm in length.")
    assert lesion.needle_depth_mm is None


@pytest.mark.parametrize(("text", "count"), [
    ("Forty men with androgenetic alopecia (Norwood III-V) were enrolled and randomized. "
     "Thirty-six patients completed the study.", 40),
    ("Sixty patients with AGA were randomized into two groups to receive microneedling plus "
     "minoxidil or minoxidil alone. Fifty-two patients completed the 24-week follow-up.", 60),
    ("Of 50 patients with AGA screened, 40 were enrolled.", 40),
    ("Patients (n = 40) with patchy alopecia areata were treated with microneedling.", 40),
    ("Patients (n = 40) were treated with microneedling (n = 20) or minoxidil (n = 20).", 40),
    ("We compared AGA patients (n = 9) and age-matched controls (n = 9) after microneedling.",
     18),
])
def test_the_number_enrolled_beats_the_number_who_completed(text: str, count: int) -> None:
    assert _one("Microneedling in hair loss", text, label=M).sample_size == count



@pytest.mark.parametrize(("text", "design"), [
    ("Forty men were randomized to microneedling or minoxidil. This protocol was approved by "
     "the institutional ethics committee. Hair count increased.", "rct"),
    ("Twelve patients with patchy alopecia areata were treated with microneedling. Half of "
     "the lesions showed complete regrowth at 3 months.", "case_series"),
])
def test_finished_studies_are_not_protocols_nor_results_controls(text: str, design: str) -> None:
    result = _one("Microneedling in hair loss", text, label=M)
    assert result.design == design and result.outcomes


def test_a_treatment_not_available_everywhere_is_still_an_arm() -> None:
    trial = _one("Microneedling in androgenetic alopecia", "Thirty men received microneedling, "
                 "which is not available in every clinic. Hair count increased.", label=M)
    assert trial.interventions == ["microneedling"]


def test_a_group_and_its_breakdown_are_counted_once() -> None:
    result = _one("Microneedling in alopecia areata", "Patients (n = 40) with alopecia "
                  "areata, women (n = 22) and men (n = 18), were treated with microneedling.",
                  label=M)
    assert result.sample_size == 40
