"""The numbers the tagger reads: sample size, needle depth, sessions, follow-up.

Each case is a sentence in a METHODS section, so what is tested is how the
number is read, not whether the sentence speaks for the study.
"""

from __future__ import annotations

import pytest

from evidence.records import AbstractSection, Article
from evidence.tagging import tag_article
from evidence.tagging.numbers import parse_depth_mm

M = "METHODS"


def tagged(*sentences: str, title: str = "Microneedling for hair loss"):
    return tag_article(Article(
        pmid="1",
        title=title,
        abstract=[AbstractSection(text, label=M) for text in sentences],
        publication_types=["Journal Article"],
    ))


@pytest.mark.parametrize(("sentence", "count"), [
    # the count in brackets, far from the people or after the word that enrolled them
    ("Men with Norwood-Hamilton stage III to V androgenetic alopecia (n = 31) were enrolled "
     "and treated with microneedling.", 31),
    ("Patients with patchy alopecia areata for at least 6 months (n = 20) were enrolled.", 20),
    ("Women with telogen effluvium and a positive hair pull test were enrolled (n = 18).", 18),
    ("Men aged 20 to 40 years with a 2-year history of androgenetic alopecia were enrolled "
     "(n = 28) and treated with microneedling.", 28),
    ("Patients with androgenetic alopecia were randomized to microneedling (n = 20) or "
     "minoxidil (n = 22).", 42),
    # two groups counted apart
    ("Fifty men used a 0.25-mm dermaroller at home three times weekly before applying "
     "minoxidil, compared with 50 men using minoxidil alone.", 100),
    ("Thirty-two patients treated with microneedling and PRP were compared with 30 patients "
     "who received PRP alone.", 62),
    ("Twenty patients were randomized to microneedling with PRP and twenty to microneedling "
     "with minoxidil.", 40),
    ("Sixty patients were randomized to microneedling, 20 to minoxidil and 20 to both.", 100),
    # those who completed are not those enrolled
    ("Eight patients dropped out and 72 patients completed the study out of 80 patients "
     "randomized to microneedling or PRP.", 80),
    # survivors are people
    ("Eleven breast cancer survivors with persistent chemotherapy-induced alopecia were "
     "treated with microneedling.", 11),
    # the count after what the people have, whatever the verb; square brackets too
    ("Patients with androgenetic alopecia (n = 36) underwent dermaroller microneedling for "
     "10 sessions.", 36),
    ("Men with AGA (n = 20) used a home-use dermaroller daily together with minoxidil.", 20),
    ("Women with female pattern hair loss [n = 24] received three sessions of PRP with "
     "microneedling.", 24),
    ("Older adult participants aged ≥60 years (n=123) were from a nested trial of "
     "microneedling.", 123),
    ("We present two siblings with alopecia totalis treated with microneedling.", 2),
    ("Forty-two patients with AGA treated with microneedling were compared with 42 age- and "
     "sex-matched patients treated with PRP injections.", 84),
    ("In this trial, 72 men aged 20-45 years with Hamilton-Norwood III-V AGA were randomly "
     "assigned to minoxidil with or without microneedling.", 72),
    # one group told by sex
    ("Participants were 22 men and 18 women with androgenetic alopecia treated with "
     "microneedling.", 40),
    # a number in words with its digits after it
    ("Sixty-four (64) men with androgenetic alopecia were randomised.", 64),
    # those who agreed, not those invited
    ("Of 90 men invited, 72 agreed to participate and were treated with microneedling.", 72),
    ("Of 90 women approached, 60 consented to take part.", 60),
    ("Of 90 women approached, 55 agreed to enroll.", 55),
])
def test_sample_size_reads_the_people_enrolled(sentence: str, count: int) -> None:
    result = tagged(sentence)
    assert result.sample_size == count
    assert next(t for t in result.tags if t.kind == "sample_size").sentence == sentence


@pytest.mark.parametrize(("sentences", "count"), [
    # a group's count after "randomized into" is not everyone's; both groups are
    (("Patients with alopecia were randomized into group A (n = 20).",), None),
    (("Patients with alopecia were randomized into group A (n = 20) and group B (n = 20).",),
     40),
    # the arms' counts where nobody else counts the people, not those with a side effect
    (("Men with AGA were assigned according to their preference to microneedling (n = 25) "
      "or minoxidil (n = 25).", "Scalp irritation occurred in 5 patients."), 50),
    (("Patients treated with PRP alone (n = 48) were compared with those who underwent PRP "
      "plus microneedling (n = 39).",), 87),
    # groups within the people already counted
    (("Forty patients were randomized into two groups: 20 to microneedling and 20 to "
      "minoxidil.",), 40),
    (("Forty patients were divided into two groups: 20 patients received microneedling, "
      "compared with 20 patients who received minoxidil.",), 40),
    # responders compared are not two groups enrolled
    (("Forty patients with alopecia were treated with microneedling.",
      "Regrowth was seen in 15 patients compared to 8 patients in the control group."), 40),
    # completers still count when nothing else says how many were enrolled ...
    (("Forty patients with alopecia completed the study.",), 40),
    # ... but not over the number randomized
    (("Fifty-two patients completed the study.", "Sixty patients were randomized."), 60),
    (("Forty patients were randomized and 3 withdrew before the first session.",), 40),
    (("Forty women with FPHL were randomly assigned to microneedling or minoxidil.",
      "Thirty-six patients completed the study."), 40),
    # the arms' counts after people already counted
    (("In this cohort, 70 patients with androgenetic alopecia chose PRP with microneedling "
      "(n = 38) or PRP alone (n = 32).",), 70),
    # of those screened, the ones with the condition randomized; not the completers
    (("Of 212 women screened, 150 with female pattern hair loss (Sinclair grade 2-4) were "
      "randomized to microneedling or minoxidil.", "A total of 131 women completed the "
      "study."), 150),
    # arms counted apart after "either" or what people chose, a semicolon in a bracket
    (("Men with AGA who chose either home microneedling with a 0.5-mm roller (weekly; n = 38) "
      "or in-office microneedling at 1.25 mm (every 2 weeks; n = 41) were followed.",), 79),
    (("We compared children with patchy alopecia areata treated with either intralesional "
      "triamcinolone (n = 27) or microneedling with topical triamcinolone (n = 31).",), 58),
    (("Women scheduled for chemotherapy chose scalp cooling (n = 86) or no cooling (n = 54).",),
     140),
    # arms of a size, and a group who declined the treatment, compared
    (("Men with AGA were randomized into four arms of 15 patients each.",), 60),
    (("Thirty women with FPHL received microneedling (1.0 mm) followed by a peptide serum, "
      "8 sessions at 2-week intervals, and were compared with 30 concurrently recruited women "
      "who declined microneedling and used minoxidil alone.",), 60),
    # the arms' size times the arms: named, or two joined by one "or"; not a session's
    (("Women with androgenetic alopecia were randomly assigned to microneedling at 1.0 mm or "
      "to sham, 22 in each arm, with eight sessions.",), 44),
    (("Men with AGA were divided into three groups, 15 patients in each group.",), 45),
    (("Men with AGA received microneedling, 15 in each session.",), None),
    # those a result happened to are no sample: unknown beats wrong; but all of them, or
    # the total they are counted of, are
    (("Patients with alopecia areata were treated with microneedling.",
      "Regrowth was seen in 15 patients."), None),
    (("Patients with alopecia areata were treated with microneedling.",
      "Improvement occurred in 11 vs 3 patients."), None),
    (("Patients with alopecia areata were treated with microneedling.",
      "Regrowth was seen in all 12 patients."), 12),
    (("Patients with alopecia areata were treated with microneedling.",
      "Regrowth was seen in 11 of 20 patients."), 20),
    # the trial's own count in brackets wins over responders counted in the results
    (("In this trial (n=64; 32 per arm), women with FAGA were randomized to minoxidil or "
      "minoxidil plus microneedling.", "Improvement by one or more Ludwig grades occurred in "
      "11 vs 3 patients."), 64),
    (("A randomized trial (N = 64) of microneedling in androgenetic alopecia.",), 64),
    # a review's studies, then their participants
    (("Twelve studies (n = 563) met the inclusion criteria, including six trials of "
      "microneedling.",), 563),
    # cases others reported
    (("Forty men with AGA had microneedling.",
      "Only 15 cases of this association have been reported in the literature."), 40),
])
def test_sample_size_hard_negatives(sentences: tuple[str, ...], count: int | None) -> None:
    assert tagged(*sentences).sample_size == count


@pytest.mark.parametrize(("sentence", "weeks"), [
    ("Hair count was assessed by phototrichogram at baseline and 6 months.", 26),
    ("Hair density and hair count were assessed at baseline, 3 months and 6 months.", 26),
    ("Hair density was evaluated at baseline, 1, 3 and 6 months.", 26),
    ("Hair density was evaluated at the end of each period, at weeks 12 and 28.", 28),
    ("Hair density was evaluated at months 3 and 6 by phototrichogram.", 26),
    ("Hair counts at wk 26 favoured microneedling.", 26),
    ("Patients were followed up at 3 months and 2 years.", 104),
    ("Hair density was assessed at 6 months and 12 weeks.", 26),
    ("Hair density increased at the 12-month visit.", 52),
    ("Results were maintained at the 1-year assessment.", 52),
    # the trial's own length
    ("We conducted a 24-week, randomized, investigator-blinded trial in 40 men.", 24),
    # a time from baseline, or between baseline and it
    ("Hair density was evaluated one month after the last session (4 months from "
     "baseline).", 17),
    ("The SALT score was compared between baseline and 6 months.", 26),
    # how long follow-up lasted, said with "was"
    ("Follow-up was 9 months.", 39),
    ("The median follow-up lasted 14 months in both groups.", 61),
    # the end of treatment, its time in brackets
    ("Hair counts were compared at the end of treatment (16 weeks).", 16),
    ("Global photographs were graded at the end of the study period (6 months).", 26),
])
def test_follow_up_reads_the_last_of_a_list(sentence: str, weeks: int) -> None:
    result = tagged("Twenty patients with alopecia were treated with microneedling.", sentence)
    assert result.follow_up_weeks == weeks


@pytest.mark.parametrize(("sentence", "weeks"), [
    # a count of people after the week is not another week
    ("Hair density was assessed at week 12, 24 patients had improved.", 12),
    ("At 6 months, 12 patients had regrowth.", 26),
    # days listed are when treatment was given
    ("Minoxidil was applied on days 1 and 15 every 28 days and hair was assessed at 8 weeks.",
     8),
    # how long they had had hair loss, and how often they were treated
    ("Patients with hair loss for 6 months or longer were treated every 2 weeks and assessed "
     "at baseline and 12 weeks.", 12),
    # how long the hair loss has lasted since chemotherapy
    ("Women with alopecia persisting 18 months after completing chemotherapy were assessed at "
     "week 12.", 12),
    ("Alopecia two years after docetaxel-based chemotherapy was assessed at 4 months.", 17),
    # how long the hair loss has lasted since a transplant; their age
    ("Alopecia persisted 2 years after haematopoietic stem cell transplantation; hair was "
     "assessed at 12 weeks.", 12),
    ("Patients aged between 18 and 65 years were assessed at week 12.", 12),
    # an optional extra phase is not everyone's follow-up
    ("Hair density was assessed at baseline and week 12; an optional extension phase followed "
     "at week 24.", 12),
])
def test_follow_up_lists_hard_negatives(sentence: str, weeks: int) -> None:
    result = tagged("Twenty patients with alopecia were treated with microneedling.", sentence)
    assert result.follow_up_weeks == weeks


@pytest.mark.parametrize(("sentence", "count"), [
    ("Twenty-eight men received three monthly sessions of platelet-rich plasma injections "
     "and, in between, six biweekly microneedling sessions at 1.5 mm.", 6),
    ("Thirty-six patients were randomized to 24 sessions of low-level laser therapy alone or "
     "combined with monthly microneedling for 6 months.", None),
    ("Twenty patients received 3 PRP sessions and 4 microneedling sessions.", 4),
    # sessions of a combined procedure are needling sessions
    ("Twenty patients received 4 sessions of PRP injections combined with microneedling.", 4),
    ("Twenty patients received 4 sessions of PRP and microneedling.", 4),
    ("Twenty patients received 6 sessions of radiofrequency microneedling.", 6),
    ("Twenty patients were randomized to 6 sessions of fractional laser or microneedling.", 6),
    ("Twenty patients received six sessions of treatment with microneedling.", 6),
    ("Twenty patients received a single session of microneedling.", 1),
    ("Twenty patients had microneedling; six treatments were performed at weekly "
     "intervals.", 6),
    ("Twenty patients had microneedling weekly for 12 weeks (12 treatments).", 12),
    # procedures in brackets may be of another kind
    ("Twenty patients had hair transplantation before (2 procedures) and 6 sessions of "
     "microneedling.", 6),
    ("Twenty patients had microneedling, a total of eight (8) sessions.", 8),
    # "one session every 2 weeks" is how often; the total follows
    ("Twenty patients had microneedling with a dermaroller (one session every 2 weeks, 12 "
     "sessions in total) for 24 weeks.", 12),
    ("Twenty patients had microneedling with a motorized pen every 2 weeks, for 8 treatments "
     "in total.", 8),
    # each procedure its own count
    ("Forty patients received 3 sessions of PRP and 6 sessions of microneedling.", 6),
    ("Forty patients received three sessions of PRP and six sessions of microneedling.", 6),
])
def test_sessions_are_needling_sessions(sentence: str, count: int | None) -> None:
    result = tagged(sentence)
    assert "microneedling" in result.interventions
    assert result.sessions == count


def test_sessions_of_another_procedure_leave_the_needling_count_to_a_later_sentence() -> None:
    result = tagged("Twenty patients with alopecia received 8 sessions of laser therapy.",
                    "Microneedling was added in 4 sessions.")
    assert result.sessions == 4
    # a rate is still not a count
    rate = tagged("Twenty patients received microneedling, 2 sessions per month for 6 months.")
    assert rate.sessions is None


@pytest.mark.parametrize(("title", "sentence", "depth"), [
    ("Comparison of 0.5 mm and 1.5 mm microneedling depths combined with minoxidil",
     "Forty patients were randomly divided into two groups.", (0.5, 1.5)),
    ("1.5 mm versus 2 mm microneedling with topical minoxidil: a randomized split-scalp trial",
     "In 22 patients with androgenetic alopecia, each half of the scalp was treated.",
     (1.5, 2.0)),
    ("Microneedling for hair loss",
     "Twenty-six men underwent dermapen microneedling with depths of 0.5 mm on the frontal "
     "hairline and 1.5 mm at the vertex, every 3 weeks for 5 sessions.", (0.5, 1.5)),
    ("Microneedling for hair loss",
     "A total of 24 patients received five sessions of automated microneedling (Dermapen 4, "
     "0.8-1.2 mm) with topical exosomes.", (0.8, 1.2)),
    ("Microneedling for hair loss",
     "Twenty men were treated with a dermaroller, 1.5 mm vs. 1 mm needles on either side.",
     (1.0, 1.5)),
    # two arms, each depth with its own device: the range of the two
    ("Microneedling for hair loss",
     "Men who chose either home microneedling with a 0.5-mm roller (n = 38) or in-office "
     "motorized microneedling at 1.25 mm (n = 41) were followed.", (0.5, 1.25)),
    ("Microneedling for hair loss",
     "Eighteen patients underwent microneedling of the whole scalp with a 1.0-mm motorized "
     "pen.", (1.0, 1.0)),
    # a depth named as one wins over the needles' length
    ("Microneedling for hair loss",
     "Twenty men were treated with 2.5-mm needles, penetrating to a depth of 1.5 mm.",
     (1.5, 1.5)),
])
def test_needle_depth_of_two_arms_is_a_range(title: str, sentence: str,
                                             depth: tuple[float, float]) -> None:
    assert tagged(sentence, title=title).needle_depth_mm == depth


@pytest.mark.parametrize(("sentence", "depth"), [
    # the hair's length, then the needles'
    ("Hair was trimmed to 1 mm and 1.5 mm needles were used in 20 men.", (1.5, 1.5)),
    ("Microneedling was done and hair was trimmed to 1 mm in 20 men.", None),
    ("The hair was cut to 0.5 mm and 1 mm microneedling was done in 20 men.", (1.0, 1.0)),
    # a model number is not a depth
    ("Twenty men were treated with a Dermapen 4 at 1.5 mm.", (1.5, 1.5)),
    # a width or a spacing is not a depth
    ("Twenty men were treated with a dermaroller with needles of 1.5 mm and 0.25 mm "
     "diameter.", (1.5, 1.5)),
    ("Twenty men were treated with microneedling; the needles were 2 mm apart.", None),
    # a comparison is not the depth used
    ("Needles up to 2.5 mm long were avoided; the depth used was 1 mm in 20 men.", (1.0, 1.0)),
    # the depth of the injection given with it is not the needling's
    ("Twenty-six patients received PRP injected 2.5 mm deep, followed by microneedling with "
     "a dermapen at 1 mm.", (1.0, 1.0)),
    ("Thirty patients received PRP injected intradermally at a depth of 2 mm, followed by "
     "microneedling with a 0.75-mm dermaroller.", (0.75, 0.75)),
    ("After injection of PRP, microneedling at 1.5 mm was done in 20 men.", (1.5, 1.5)),
    ("Twenty men were treated; MN was performed with a 1.5 mm roller.", (1.5, 1.5)),
    ("Sixteen men were treated with needles of adjustable depth from 1.5 mm up to 3.5 mm.",
     (1.5, 3.5)),
    ("Twenty healthy volunteers received one microneedling session at 0.25-0.5 mm.",
     (0.25, 0.5)),
    # the device written in two words
    ("Forty-two women had six microneedling sessions with a 0.6-mm derma roller.", (0.6, 0.6)),
    ("Ten patients were treated with a derma stamp (1.5 mm) and triamcinolone.", (1.5, 1.5)),
])
def test_needle_depth_hard_negatives(sentence: str, depth: tuple[float, float] | None) -> None:
    assert tagged(sentence).needle_depth_mm == depth


@pytest.mark.parametrize(("text", "depth"), [
    ("0.5 mm and 1.5 mm", (0.5, 1.5)),
    ("1.5 mm versus 2 mm", (1.5, 2.0)),
    ("0.5 mm on the frontal hairline and 1.5 mm at the vertex", (0.5, 1.5)),
    ("1.5 mm was used on the vertex and 1 mm on the temples", (1.0, 1.5)),
    ("0.5, 1.0 and 1.5 mm", (0.5, 1.5)),
    ("Dermapen 4, 0.8-1.2 mm", (0.8, 1.2)),
    ("0.25 mm in diameter", None),
    ("needles 2 mm apart", None),
])
def test_depth_values(text: str, depth: tuple[float, float] | None) -> None:
    assert parse_depth_mm(text) == depth
