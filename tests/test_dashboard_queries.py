"""The dashboard's summary queries, on SQLite and PostgreSQL.

Each SQL aggregate is checked against the same figure computed in Python
from the export records (``iter_records``), a different code path over the
same data, for several filters; a few facts of the invented fixture studies
are pinned by hand so an empty result cannot pass.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from evidence.db import Database
from evidence.labels import DESIGN_LABELS, label
from evidence.queries import (
    StudyFilter,
    data_version,
    evidence_map,
    evidence_map_table,
    headline,
    iter_records,
    last_update,
    outcome_frequency,
    pyramid_counts,
    stored_tagger_versions,
    studies_per_year,
    study_table,
    summary_by_design,
    year_bounds,
)
from ingest.files import import_files

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FILES = [FIXTURES / "edge_cases.xml", FIXTURES / "citations.nbib",
                 FIXTURES / "dashboard_studies.xml"]
FILTERS = [
    StudyFilter(),
    StudyFilter(exclude_retracted=True),
    StudyFilter(interventions=("microneedling", "minoxidil")),
    StudyFilter(relevant_only=True, min_year=2019),
    StudyFilter(max_level=2),
    StudyFilter(designs=("rct", "meta_analysis")),
]


@pytest.fixture
def loaded(database: Database) -> Database:
    summary = import_files(database, FIXTURE_FILES)
    assert summary.ok and summary.counts.new >= 8
    return database


def _records(database: Database, study_filter: StudyFilter) -> list[dict[str, Any]]:
    with database.session() as session:
        return list(iter_records(session, study_filter))


@pytest.mark.parametrize("study_filter", FILTERS, ids=lambda f: str(f.describe()) or "all")
def test_headline_matches_the_records(loaded: Database, study_filter: StudyFilter) -> None:
    records = _records(loaded, study_filter)
    with loaded.session() as session:
        figures = headline(session, study_filter)
    years = [record["year"] for record in records if record["year"] is not None]
    assert figures.studies == len(records)
    assert figures.rcts == sum(record["design"] == "rct" for record in records)
    assert figures.meta_analyses == sum(
        record["design"] in ("meta_analysis", "systematic_review") for record in records)
    assert figures.participants == sum(record["sample_size"] or 0 for record in records)
    assert (figures.min_year, figures.max_year) == ((min(years), max(years)) if years
                                                    else (None, None))


def test_headline_pins_the_fixture_facts(loaded: Database) -> None:
    with loaded.session() as session:
        figures = headline(session)
        assert figures.meta_analyses >= 1  # 91000001 is a meta-analysis
        assert figures.rcts >= 2  # 90000001 and 91000002
        assert figures.min_year == 1990 and figures.max_year == 2024
        assert figures.last_update is not None
        assert figures.last_update == last_update(session)


@pytest.mark.parametrize("study_filter", FILTERS, ids=lambda f: str(f.describe()) or "all")
def test_evidence_map_counts_and_best_level(loaded: Database, study_filter: StudyFilter) -> None:
    records = _records(loaded, study_filter)
    expected_count: Counter[tuple[str, str]] = Counter()
    expected_best: dict[tuple[str, str], int] = {}
    for record in records:
        for arm in set(record["interventions"]):
            for outcome in set(record["outcomes"]):
                expected_count[(arm, outcome)] += 1
                best = expected_best.get((arm, outcome), 99)
                expected_best[(arm, outcome)] = min(best, record["evidence_level"])
    with loaded.session() as session:
        cells = evidence_map(session, study_filter)
    got = {(row.intervention, row.outcome): (row.studies, row.best_level)
           for row in cells.itertuples(index=False)}
    assert got == {pair: (expected_count[pair], expected_best[pair]) for pair in expected_count}
    assert all(cells["intervention_label"] == cells["intervention"].map(label))


def test_evidence_map_answers_the_minoxidil_question(loaded: Database) -> None:
    """Microneedling x hair count: the meta-analysis makes level 1 the best evidence."""
    with loaded.session() as session:
        cells = evidence_map(session)
        table = evidence_map_table(session)
    cell = cells[(cells.intervention == "minoxidil") & (cells.outcome == "hair_count")]
    assert list(cell["best_level"]) == [1]
    assert table.loc[label("minoxidil"), label("hair_count")].endswith("(level 1)")
    assert table.loc[label("prp"), label("hair_count")] == "1 (level 2)"
    # rows are interventions with at least one study; empty cells are empty strings
    assert label("botulinum_toxin") not in table.index
    assert (table == "").any().any()


@pytest.mark.parametrize("study_filter", FILTERS, ids=lambda f: str(f.describe()) or "all")
def test_per_year_pyramid_outcomes_and_designs(loaded: Database,
                                               study_filter: StudyFilter) -> None:
    records = _records(loaded, study_filter)
    with loaded.session() as session:
        per_year = studies_per_year(session, study_filter)
        pyramid = pyramid_counts(session, study_filter)
        outcomes = outcome_frequency(session, study_filter)
        designs = summary_by_design(session, study_filter)

    expected_years = Counter((r["year"], r["design"]) for r in records if r["year"] is not None)
    assert {(row.year, row.design): row.studies
            for row in per_year.itertuples(index=False)} == dict(expected_years)

    levels = Counter(record["evidence_level"] for record in records)
    assert list(pyramid["level"]) == [1, 2, 3, 4, 5]
    assert list(pyramid["studies"]) == [levels.get(level, 0) for level in range(1, 6)]
    assert "RCT" in pyramid.loc[pyramid.level == 2, "designs"].item()

    measured = Counter(code for record in records for code in set(record["outcomes"]))
    assert dict(zip(outcomes["outcome"], outcomes["studies"], strict=True)) == dict(measured)
    assert list(outcomes["studies"]) == sorted(outcomes["studies"], reverse=True)

    by_design: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_design[record["design"]].append(record)
    order = [code for code in DESIGN_LABELS if code in by_design]
    assert list(designs["design"]) == [DESIGN_LABELS[code] for code in order]
    for row, code in zip(designs.itertuples(index=False), order, strict=True):
        group = by_design[code]
        assert row.studies == len(group)
        assert row.participants == sum(r["sample_size"] or 0 for r in group)
        assert row.with_sample_size == sum(r["sample_size"] is not None for r in group)
        assert row.retracted == sum(r["retracted"] for r in group)


@pytest.mark.parametrize("sort", ["year", "level", "n", "pmid"])
def test_study_table_rows_order_and_labels(loaded: Database, sort: str) -> None:
    study_filter = StudyFilter(exclude_retracted=True)
    with loaded.session() as session:
        table = study_table(session, study_filter, sort=sort)
        limited = study_table(session, study_filter, sort=sort, limit=3)
        expected = {record["pmid"]: record
                    for record in iter_records(session, study_filter, sort=sort)}
    assert list(table["pmid"]) == list(expected)  # same order as the exports' sort
    assert list(limited["pmid"]) == list(table["pmid"])[:3]
    for row in table.itertuples(index=False):
        record = expected[row.pmid]
        assert row.design == label(record["design"])
        assert row.outcomes == "; ".join(label(code) for code in record["outcomes"])
        assert row.interventions == "; ".join(label(code) for code in record["interventions"])
        assert row.retracted is False
    if sort == "level":
        assert list(table["evidence_level"]) == sorted(table["evidence_level"])
    assert table.loc[table.pmid == "91000002", "title"].item().endswith(
        "& <b>split-scalp</b> comparison.")


def test_study_table_of_no_match_is_empty_with_columns(loaded: Database) -> None:
    with loaded.session() as session:
        table = study_table(session, StudyFilter(text="zzzznotaword"))
    assert table.empty and "interventions" in table.columns


def test_data_version_changes_only_with_the_data(loaded: Database) -> None:
    with loaded.session() as session:
        before = data_version(session)
        assert data_version(session) == before
        first, last = year_bounds(session)
        versions = stored_tagger_versions(session)
    assert (first, last) == (1990, 2024)
    assert sum(versions.values()) == headline_count(loaded)
    import_files(loaded, [FIXTURES / "update_revision.xml"])
    with loaded.session() as session:
        assert data_version(session) != before


def headline_count(database: Database) -> int:
    with database.session() as session:
        return headline(session).studies


def test_empty_database(database: Database) -> None:
    with database.session() as session:
        figures = headline(session)
        assert figures.studies == 0 and figures.last_update is None
        assert evidence_map(session).empty and studies_per_year(session).empty
        assert list(pyramid_counts(session)["studies"]) == [0] * 5
        assert evidence_map_table(session).empty
        assert year_bounds(session) == (None, None)
        assert data_version(session).startswith("0|")
