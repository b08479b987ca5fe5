"""Sentence splitting, number words, ranges and durations, with hand-written text."""

from __future__ import annotations

import pytest

from evidence.records import AbstractSection, Article
from evidence.tagging.numbers import months_to_weeks, parse_depth_mm, to_weeks, word_to_int
from evidence.tagging.sentences import article_sentences, split_sentences


def _split(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_splitter_keeps_abbreviations_and_decimals_inside_sentences() -> None:
    text = (
        "Needling was compared vs. Placebo as reported by Smith et al. In 2019 it was tested. "
        "Adjuvants, e.g. Minoxidil, were allowed. The difference was significant (P < 0.05). "
        "Needles of 0.5 mm were used, see Fig. 2 for the device. Results improved!"
    )
    assert _split(text) == [
        "Needling was compared vs. Placebo as reported by Smith et al. In 2019 it was tested.",
        "Adjuvants, e.g. Minoxidil, were allowed.",
        "The difference was significant (P < 0.05).",
        "Needles of 0.5 mm were used, see Fig. 2 for the device.",
        "Results improved!",
    ]


def test_sentence_spans_index_abstract_text() -> None:
    article = Article(
        pmid="1",
        title="A trial. Of needling",
        abstract=[
            AbstractSection("Hair loss is common. It is distressing.", label="BACKGROUND"),
            AbstractSection("An unlabelled line. Another one."),
            AbstractSection("Twenty men were enrolled.", label="METHODS", category="METHODS"),
        ],
    )
    sentences = article_sentences(article)
    assert sentences[0].source == "title" and sentences[0].text == article.title
    for sentence in sentences[1:]:
        assert article.abstract_text[sentence.start : sentence.end] == sentence.text
    assert [s.section for s in sentences[1:]] == [
        "background", "background", "unlabelled", "unlabelled", "methods"
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Hundred", 100),
        ("One hundred", 100),
        ("Sixty", 60),
        ("Sixty-eight", 68),
        ("twenty-four", 24),
        ("fifteen", 15),
        ("a hundred and five", 105),
        ("1,127", 1127),
        ("42", 42),
        ("3.5", None),
        ("several", None),
    ],
)
def test_number_words(text: str, value: int | None) -> None:
    assert word_to_int(text) == value


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("needles 0.5-1.5 mm long", (0.5, 1.5)),
        ("a depth of 0.5 to 2.5 mm", (0.5, 2.5)),
        ("a depth of 1.5 mm", (1.5, 1.5)),
        ("needling depth of 1 ± 0.5 mm", (0.5, 1.5)),
        ("depths of 0.50–2.50 mm", (0.5, 2.5)),
        ("needles of 500 μm", (0.5, 0.5)),
        ("no depth given", None),
    ],
)
def test_depth_ranges(text: str, depth: tuple[float, float] | None) -> None:
    assert parse_depth_mm(text) == depth


def test_months_convert_at_52_over_12_weeks_rounded() -> None:
    assert months_to_weeks(2) == 9
    assert months_to_weeks(3) == 13
    assert months_to_weeks(4) == 17
    assert months_to_weeks(6) == 26
    assert months_to_weeks(18) == 78
    assert to_weeks(24, "weeks") == 24
    assert to_weeks(1, "year") == 52


def test_term_matcher_finds_optional_prefixes_case_and_word_boundaries() -> None:
    from evidence.tagging.matcher import Term, TermMatcher

    matcher = TermMatcher([
        Term("laser", r"(?:5-)?amino ?la?evulinic acid"),
        Term("mn", r"micro[- ]?needl\w*"),
        Term("aga", "AGA", case_sensitive=True),
        Term("seven", r"(?:7|seven) ?- ?point"),
    ])
    text = "5-aminolevulinic acid, Micro-needling, saga, AGA, aga and a 7- point scale"
    found = [(TermMatcher.group(m), m.group()) for m in matcher.finditer(text)]
    assert found == [
        ("laser", "5-aminolevulinic acid"),
        ("mn", "Micro-needling"),
        ("aga", "AGA"),
        ("seven", "7- point"),
    ]


def test_a_power_of_ten_is_not_a_count_of_people() -> None:
    """The parser writes "10<sup>2</sup>" as "10^2": neither 10 nor 2 men were enrolled."""
    from evidence.tagging.quantities import sample_size
    from evidence.tagging.rules import default_rules

    default_rules()  # as the tagger does: the shared Hyperscan set is fixed at its first scan
    assert sample_size(["Platelets at 1.5 x 10^6/uL in 10^2 men with alopecia."]) is None
    assert sample_size(["Platelets at 1.5 x 10^6/uL in 100 men with alopecia."]) == (100, 0)


def test_the_end_of_a_range_is_not_a_count_of_people() -> None:
    from evidence.tagging.quantities import sample_size
    from evidence.tagging.rules import default_rules

    default_rules()  # as the tagger does: the shared Hyperscan set is fixed at its first scan
    assert sample_size(["The outbreak grows from 127,000 to 227,000 cases after 18 months."]) \
        is None
    assert sample_size(["Trials enrolled 10-20 patients each."]) is None
    assert sample_size(["Aged 18-65, 40 patients were enrolled."]) == (40, 0)
