"""The dashboard's summary queries, on SQLite and PostgreSQL.

Each SQL aggregate is checked against the same figure computed in Python
from the export records (``iter_records``), a different code path over the
same data, for several filters; a few facts of the invented fixture studies
are pinned by hand so an empty result cannot pass.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event, select, update

from evidence.db import Database, open_database
from evidence.labels import DESIGN_LABELS, label
from evidence.models import Study, TagRow
from evidence.queries import (
    StudyFilter,
    count_studies,
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
from tests.corpus import write_corpus

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
    # the PRP trial and the retracted case series, marked as such
    assert table.loc[label("prp"), label("hair_count")] == "2 (level 2; 1 retracted)"
    assert list(cells.loc[(cells.intervention == "prp") & (cells.outcome == "hair_count"),
                          "retracted"]) == [1]
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
        assert row.relevant is record["relevant"]
        # the protocol numbers, to compare studies without opening each
        assert (None if pd.isna(row.sessions) else row.sessions) == record["sessions"]
        weeks = record["follow_up_weeks"]
        assert (None if pd.isna(row.follow_up_weeks) else row.follow_up_weeks) == (
            None if weeks is None else round(weeks))
        depth = record["needle_depth_mm"]
        assert (None if pd.isna(row.needle_depth) else row.needle_depth) == (
            None if depth is None else (
            f"{depth[0]:g} mm" if depth[0] == depth[1] else f"{depth[0]:g}–{depth[1]:g} mm"))
    assert table["needle_depth"].notna().any() and table["sessions"].notna().any()
    if sort == "level":
        assert list(table["evidence_level"]) == sorted(table["evidence_level"])
    assert table.loc[table.pmid == "91000002", "title"].item().endswith(
        "& <b>split-scalp</b> comparison.")


def test_pmid_sort_is_numeric_whatever_the_import_order(database: Database,
                                                        tmp_path: Path) -> None:
    """An update file after a baseline, or a file out of order: "PMID" still means PMID.

    Neither import order (the internal id) nor text order ("10000000" before
    "9999999") is PMID order; the two files make both differ from it.
    """
    later = write_corpus(tmp_path / "later.xml", 3, first_pmid=20_000_000)
    earlier = write_corpus(tmp_path / "earlier.xml", 3, first_pmid=9_999_998)
    assert import_files(database, [tmp_path / "later.xml", tmp_path / "earlier.xml"]).ok
    numeric = sorted(later + earlier, key=int)
    assert numeric == ["9999998", "9999999", "10000000", "20000000", "20000001", "20000002"]
    with database.session() as session:
        assert list(study_table(session, StudyFilter(), sort="pmid")["pmid"]) == numeric
        assert list(study_table(session, StudyFilter(), sort="pmid", limit=2)["pmid"]) == \
            numeric[:2]
        assert [r["pmid"] for r in iter_records(session, StudyFilter(), sort="pmid")] == numeric


@pytest.mark.parametrize("sort, column", [("n", "sample_size"), ("year", "year")])
def test_studies_without_the_sorted_value_come_last(loaded: Database, sort: str,
                                                    column: str) -> None:
    """"Largest n" and "Newest first" start with real values on both databases
    (PostgreSQL puts NULL first in a descending order unless told otherwise)."""
    with loaded.session() as session:  # a record without a date, as PubMed has a few
        session.execute(update(Study).where(Study.pmid == "90000012")
                        .values(year=None, pub_sort_date=None, pub_date=None))
    with loaded.session() as session:
        records = list(iter_records(session, StudyFilter(), sort=sort))
    values = [record[column] for record in records]
    known = [value for value in values if value is not None]
    assert known and None in values
    assert values == sorted(known, reverse=True) + [None] * (len(values) - len(known))


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


def test_evidence_map_leaves_out_outcome_codes_outside_tags_md(loaded: Database) -> None:
    """The map's SQL reads every outcome tag of a study; a code TAGS.md does not
    know (a hand edit, an older tagger) must still not become a column."""
    with loaded.session() as session:
        before = evidence_map(session)
        study_id = session.scalars(select(TagRow.study_id).where(
            TagRow.kind == "intervention").limit(1)).one()
        session.add(TagRow(study_id=study_id, kind="outcome", code="not_a_tags_md_code",
                           sentence="A hand-added tag.", source="abstract", start=0, end=1,
                           rule="hand", tagger_version="hand"))
    with loaded.session() as session:
        after = evidence_map(session)
    assert "not_a_tags_md_code" not in set(after["outcome"])
    assert after.equals(before)


# Filters on study columns alone, the ones a user ticks first.
COLUMN_FILTERS = [
    StudyFilter(),
    StudyFilter(exclude_retracted=True),
    StudyFilter(relevant_only=True),
    StudyFilter(min_year=2015, max_level=3),
    StudyFilter(min_n=20),
    StudyFilter(designs=("rct",), relevant_only=True),
]
SUMMARY_QUERIES = [headline, studies_per_year, pyramid_counts, outcome_frequency, evidence_map,
                   summary_by_design, count_studies]


def _plans(database: Database, run: Any) -> list[tuple[str, list[str]]]:
    """Each SELECT ``run`` sends, with SQLite's plan for it."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.session() as session:
            run(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    with database.engine.connect() as connection:
        return [(statement, [row[3] for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters)])
                for statement, parameters in sent]


@pytest.mark.parametrize("study_filter", COLUMN_FILTERS, ids=lambda f: str(f.describe()) or "all")
def test_sqlite_finds_studies_from_narrow_indexes(tmp_path: Path,
                                                  study_filter: StudyFilter) -> None:
    """No dashboard query finds studies by reading their rows (title and abstract
    make them wide: hundreds of MB at 300,000 studies): every scan of ``studies``
    reads a covering index, and rows are read only by id, for studies already found."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    database = open_database(url)
    assert import_files(database, FIXTURE_FILES).ok
    # Statistics of a dozen studies would rightly make a scan the cheapest plan;
    # without them SQLite plans as for a large database, from the schema alone.
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    database.dispose()
    database = open_database(url)
    try:
        runs = [lambda session, query=query: query(session, study_filter)
                for query in SUMMARY_QUERIES]
        runs += [lambda session, sort=sort: study_table(session, study_filter, sort=sort,
                                                        limit=200)
                 for sort in ("year", "level", "n", "pmid")]
        for run in runs:
            for statement, plan in _plans(database, run):
                for step in plan:
                    if " studies " not in f" {step} ":
                        continue
                    assert "COVERING INDEX" in step or "INTEGER PRIMARY KEY" in step, (
                        f"{step!r} in the plan of {statement}")
    finally:
        database.dispose()


def test_a_run_that_changes_studies_leaves_planner_statistics(database: Database) -> None:
    assert import_files(database, FIXTURE_FILES).ok
    with database.engine.connect() as connection:
        if database.dialect == "sqlite":
            analysed = {row[0] for row in connection.exec_driver_sql(
                "SELECT DISTINCT tbl FROM sqlite_stat1")}
        else:
            analysed = {row[0] for row in connection.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                "AND last_vacuum IS NOT NULL")}
    assert {"studies", "tags"} <= analysed


def test_a_year_range_counts_the_undated_studies_it_leaves_out(database: Database) -> None:
    from evidence.queries import count_undated_left_out

    assert import_files(database, [*FIXTURE_FILES, FIXTURES / "undated.xml"]).ok
    with database.session() as session:
        # every dated study is from 1990 on: the range leaves out only the undated one
        assert count_studies(session, StudyFilter(min_year=1990)) == count_studies(session) - 1
        assert count_undated_left_out(session, StudyFilter(min_year=1990)) == 1
        assert count_undated_left_out(session, StudyFilter()) == 0
        # the rest of the filter still applies to it
        assert count_undated_left_out(session, StudyFilter(min_year=1990,
                                                           designs=("rct",))) == 0


def _words_of(record: dict[str, Any]) -> str:
    return " ".join(re.findall(r"[^\W_]+", f"{record['title']} {record['abstract']}".lower()))


@pytest.mark.parametrize(("search", "holds"), [
    ("microneedling minoxidil", lambda t: "microneedling" in t and "minoxidil" in t),
    ("microneedling NOT minoxidil", lambda t: "microneedling" in t and "minoxidil" not in t),
    ("microneedling -minoxidil", lambda t: "microneedling" in t and "minoxidil" not in t),
    ("NOT microneedling", lambda t: "microneedling" not in t),
    ("minoxidil OR platelet", lambda t: "minoxidil" in t or "platelet" in t),
    ('"hair count"', lambda t: "hair count" in t),
    ('"count hair"', lambda t: "count hair" in t),
    ("microneedling AND NOT minoxidil",
     lambda t: "microneedling" in t and "minoxidil" not in t),
    ("minoxidil OR -microneedling", lambda t: "minoxidil" in t or "microneedling" not in t),
    # stop words ask nothing of either index (PostgreSQL's empty tsquery matched nothing)
    ("microneedling in the", lambda t: "microneedling" in t),
    # parentheses group, and "-" or NOT before a group leaves it out
    ("(minoxidil OR platelet) microneedling",
     lambda t: ("minoxidil" in t or "platelet" in t) and "microneedling" in t),
    ("(microneedling AND minoxidil) OR platelet",
     lambda t: ("microneedling" in t and "minoxidil" in t) or "platelet" in t),
    ("NOT (minoxidil OR platelet)", lambda t: "minoxidil" not in t and "platelet" not in t),
    ("microneedling -(minoxidil platelet)",
     lambda t: "microneedling" in t and not ("minoxidil" in t and "platelet" in t)),
    ("microneedling AND (minoxidil OR NOT (platelet OR finasteride))",
     lambda t: "microneedling" in t
     and ("minoxidil" in t or not ("platelet" in t or "finasteride" in t))),
    # a part of stop words only is left out of its OR, not read as "any study"
    ("minoxidil OR the", lambda t: "minoxidil" in t),
    # a phrase with a symbol between its words, and PubMed's field tags set aside
    ('"5% minoxidil"', lambda t: "5 minoxidil" in t),
    ("microneedling[tiab] minoxidil[Title/Abstract]",
     lambda t: "microneedling" in t and "minoxidil" in t),
])
def test_search_reads_phrases_or_and_not_as_pubmed_users_write_them(
        loaded: Database, search: str, holds: Any) -> None:
    """The same studies on both databases as plain word tests in Python give (the words
    chosen have no other forms in the fixtures, so stemming cannot differ)."""
    every = _records(loaded, StudyFilter())
    expected = {r["pmid"] for r in every if holds(_words_of(r))}
    found = {r["pmid"] for r in _records(loaded, StudyFilter(text=search))}
    assert found == expected
    assert 0 < len(expected) < len(every) or search == '"count hair"'


def test_search_operators_in_lower_case_or_alone_are_words() -> None:
    from evidence.search import MAX_TERMS, AllOf, AnyOf, Not, SearchTooLong, Term, parse_search

    hair, density, a, b = Term(("hair",)), Term(("density",)), Term(("a",)), Term(("b",))
    assert parse_search("hair not density") == AllOf((hair, Term(("not",)), density))
    assert parse_search("NOT") == Term(("not",))
    assert parse_search("a OR") == AllOf((a, Term(("or",))))
    assert parse_search('"hair dens*" OR thickness NOT prp -laser') == AllOf((
        AnyOf((Term(("hair", "dens"), prefix=True, phrase=True), Term(("thickness",)))),
        Not(Term(("prp",))), Not(Term(("laser",)))))
    assert parse_search("a AND NOT b") == parse_search("a NOT b") == AllOf((a, Not(b)))
    assert parse_search("a OR NOT b") == parse_search("a OR -b") == AnyOf((a, Not(b)))
    assert parse_search("( -") is None
    with pytest.raises(SearchTooLong):
        parse_search(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))


def test_a_search_of_stop_words_only_is_known_to_ask_nothing() -> None:
    from evidence.search import asks_nothing, parse_search

    for text in ("the", "NOT", "in the OR of", "-(the)"):
        assert asks_nothing(parse_search(text)), text
    for text in ("the hair", "out*", "NOT minoxidil", "hair OR the"):
        assert not asks_nothing(parse_search(text)), text


def test_an_or_beside_other_words_is_known_to_be_read_word_by_word() -> None:
    from evidence.search import or_beside_other_terms

    for text in ("alopecia OR hair loss", "hair density OR thickness", "a OR b c"):
        assert or_beside_other_terms(text), text
    for text in ('alopecia OR "hair loss"', "alopecia OR (hair loss)", "a OR b AND c",
                 "(a OR b) c", "a b", "a OR b"):
        assert not or_beside_other_terms(text), text


def test_field_tags_for_other_fields_are_named() -> None:
    from evidence.search import unread_field_tags

    assert unread_field_tags("minoxidil[tiab] AND alopecia[MeSH Terms] smith[au]") == [
        "MeSH Terms", "au"]
    assert unread_field_tags("hair loss[Title/Abstract] OR hair[tiab]") == []
    # title alone is not what is searched either: minoxidil[ti] finds abstracts too
    assert unread_field_tags("minoxidil[ti]") == ["ti"]


def test_search_parentheses_group_as_in_pubmed() -> None:
    from evidence.search import MAX_DEPTH, AllOf, AnyOf, Not, SearchTooLong, Term, parse_search

    a, b, c, d = (Term((word,)) for word in "abcd")
    # Without them OR joins the two terms beside it; with them, the group.
    assert parse_search("a b OR c") == AllOf((a, AnyOf((b, c))))
    assert parse_search("(a b) OR c") == AnyOf((AllOf((a, b)), c))
    assert parse_search("a AND (b OR c) NOT (c OR d)") == AllOf(
        (a, AnyOf((b, c)), Not(AnyOf((c, d)))))
    assert parse_search("-(a OR b)") == parse_search("NOT (a OR b)") == Not(AnyOf((a, b)))
    assert parse_search("NOT NOT a") == parse_search("-(-a)") == a
    assert parse_search("((a OR (b OR c)))") == AnyOf((a, b, c))
    # A missing ")" closes at the end; one that closes nothing is passed over; an empty
    # group is nothing, and an operator with nothing after it is a word.
    assert parse_search("(a OR b") == AnyOf((a, b))
    assert parse_search("a) b") == AllOf((a, b))
    assert parse_search("a OR ()") == a
    assert parse_search("(a OR) b") == AllOf((a, Term(("or",)), b))
    assert parse_search("()") is None
    assert parse_search('"a (b)" (c') == AllOf((Term(("a", "b"), phrase=True), c))
    assert parse_search("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == a
    with pytest.raises(SearchTooLong, match="nest"):
        parse_search("(" * (MAX_DEPTH + 1) + "a")


def test_a_search_too_long_for_one_query_is_a_clear_error(loaded: Database) -> None:
    from evidence.errors import EvidenceError

    with pytest.raises(EvidenceError, match="at most 100 terms"):
        _records(loaded, StudyFilter(text=" ".join(f"word{i}" for i in range(1100))))
