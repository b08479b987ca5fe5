"""Scoring arithmetic of evidence.tagging.evaluate on hand-made pairs."""

from __future__ import annotations

import pytest

from evidence.tagging import Tagging
from evidence.tagging.evaluate import TARGETS, score


def gold(**labels: object) -> dict[str, object]:
    base: dict[str, object] = {
        "relevant": True, "design": "rct", "conditions": [], "interventions": [], "devices": [],
        "outcomes": [], "sample_size": None, "needle_depth_mm": None, "sessions": None,
        "follow_up_weeks": None,
    }
    base.update(labels)
    return base


def test_micro_scores_relevance_design_and_numbers() -> None:
    pairs = [
        (gold(outcomes=["hair_density", "hair_count"], sample_size=60,
              needle_depth_mm=[0.5, 1.5], follow_up_weeks=13),
         Tagging("t", relevant=True, design="rct", evidence_level=2,
                 outcomes=["hair_density", "adverse_events"], sample_size=60,
                 needle_depth_mm=(0.5, 1.5), follow_up_weeks=13.0)),
        (gold(relevant=False, design="narrative_review"),
         Tagging("t", relevant=True, design="other", evidence_level=5)),
    ]
    report = score(pairs)
    outcomes = report.fields["outcomes"]
    assert (outcomes.tp, outcomes.fp, outcomes.fn) == (1, 1, 1)
    assert outcomes.f1 == pytest.approx(0.5)
    assert report.codes["outcomes"]["hair_density"].f1 == 1.0
    assert report.codes["outcomes"]["hair_count"].recall == 0.0
    assert report.relevance.precision == pytest.approx(0.5)
    assert report.relevance.recall == 1.0
    assert report.design_accuracy == pytest.approx(0.5)
    assert report.evidence_level_accuracy == 1.0  # narrative_review and other are both level 5
    assert report.numbers["sample_size"].rate == 1.0
    assert report.numbers["needle_depth_mm"].rate == 1.0
    assert report.numbers["sessions"].total == 0  # null on both sides is not counted
    text = report.format_text()
    assert "outcomes" in text and "design accuracy" in text
    missed = report.failures(TARGETS)
    assert any(line.startswith("outcomes_f1") for line in missed)
    assert not any(line.startswith("sample_size_exact") for line in missed)


def test_wrong_number_counts_against_exact_match() -> None:
    report = score([(gold(sample_size=20), Tagging("t", sample_size=22)),
                    (gold(sample_size=None), Tagging("t", sample_size=5))])
    assert report.numbers["sample_size"].rate == 0.0
    assert report.numbers["sample_size"].total == 2
