"""Opening databases: migrations on first use, upgrades that keep rows, URL precedence."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from evidence.db import (
    current_revision,
    downgrade,
    head_revision,
    open_database,
    revisions,
    upgrade,
)
from evidence.queries import StudyFilter, count_studies
from evidence.settings import DEFAULT_DB_URL, Settings
from tests.conftest import fresh_database_url


def test_new_database_is_created_at_the_head_revision(db_url):
    database = open_database(db_url)
    try:
        assert current_revision(database.engine) == head_revision()
        tables = set(inspect(database.engine).get_table_names())
        assert {"studies", "authors", "tags", "ingest_runs", "pending_pmids"} <= tables
    finally:
        database.dispose()


def _long_abstract() -> str:
    """Over 8 kB of words that do not repeat in order, so no compression keeps them in the
    row: PostgreSQL stores it out of the row (TOAST), the case migration 0009 rewrites."""
    rng = random.Random(9)
    words = ["vellus", "terminal", "follicle", "density", "scalp", "needling", "session",
             "minoxidil", "platelet", "erythema", "dermoscopy", "week", "count", "shaft"]
    filler = " ".join(f"{rng.choice(words)}{rng.randrange(1000)}" for _ in range(900))
    return f"{filler} Scalp erythema resolved by week 61."


LONG_ABSTRACT = _long_abstract()


def _insert_study(engine: Engine, pmid: str, abstract: str) -> None:
    """A study row as the early schema (0001) takes it: no ORM, the columns it had."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO studies (pmid, title, abstract, languages, retracted, "
            "content_hash, first_seen_at, updated_at, relevant, design, evidence_level) "
            "VALUES (:pmid, 'Dermaroller for alopecia', :abstract, '[]', false, 'x', "
            "'2020-01-01', '2020-01-01', true, 'rct', 2)"), {"pmid": pmid, "abstract": abstract})


def test_an_older_database_is_upgraded_without_losing_a_row(db_url):
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    _insert_study(engine, "424242", "Needling increased hair counts.")
    _insert_study(engine, "424243", LONG_ABSTRACT)
    engine.dispose()
    database = open_database(db_url)
    try:
        assert current_revision(database.engine) == head_revision()
        with database.session() as session:
            assert count_studies(session) == 2
            # the full-text index added by 0002 covers rows that existed before it
            assert count_studies(session, StudyFilter(text="hair counts")) == 1
            assert count_studies(session, StudyFilter(text="erythema resolved")) == 1
            assert count_studies(session, StudyFilter(text="melasma")) == 0
            stored = session.scalar(text("SELECT abstract FROM studies WHERE pmid = '424243'"))
            assert stored == LONG_ABSTRACT
        # An upgrade rebuilds indexes (and on PostgreSQL rewrites the table): the
        # planner gets statistics at once rather than after the next import.
        with database.engine.connect() as connection:
            if database.dialect == "sqlite":  # 0008 rebuilt this index, dropping its row
                analysed = connection.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'ix_studies_overview'")
            else:
                analysed = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'studies' "
                    "AND last_analyze IS NOT NULL AND last_vacuum IS NOT NULL")
            assert analysed.scalar() == 1
    finally:
        database.dispose()


def test_runs_left_running_by_older_versions_do_not_block_the_upgrade(db_url):
    """0013 allows one running ingest; a database with several (killed runs nobody
    marked) keeps the newest as running and the others as interrupted."""
    engine = create_engine(db_url)
    upgrade(engine, "0012")
    with engine.begin() as connection:
        for kind in ("ingest", "ingest", "import", "ingest"):
            connection.execute(text(
                "INSERT INTO ingest_runs (kind, params, started_at, status, found, new, "
                "updated, unchanged, deleted, skipped, failed, state) VALUES (:kind, '{}', "
                "CURRENT_TIMESTAMP, 'running', 0, 0, 0, 0, 0, 0, 0, '{}')"), {"kind": kind})
    upgrade(engine, "0013")
    with engine.connect() as connection:
        statuses = connection.execute(text(
            "SELECT kind, status FROM ingest_runs ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in statuses] == [
        ("ingest", "interrupted"), ("ingest", "interrupted"), ("import", "running"),
        ("ingest", "running")]


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database only: what is tested has no SQLite counterpart."""
    yield from fresh_database_url("postgresql", tmp_path)


def test_postgresql_upgrade_moves_search_vectors_into_their_rows(postgres_url):
    """Migration 0009: search vectors stored MAIN, and rows written before it rewritten, so
    the planner's "cheap" per-row text test does not fetch each vector from TOAST."""
    engine = create_engine(postgres_url)
    upgrade(engine, "0008")
    _insert_study(engine, "424243", LONG_ABSTRACT)
    relation = "SELECT relfilenode FROM pg_class WHERE relname = 'studies'"
    with engine.connect() as connection:
        file_before = connection.exec_driver_sql(relation).scalar()
    engine.dispose()
    database = open_database(postgres_url)
    try:
        with database.engine.connect() as connection:
            storage = dict(connection.exec_driver_sql(
                "SELECT attname, attstorage FROM pg_attribute "
                "WHERE attrelid = 'studies'::regclass AND attname IN ('search_vector', "
                "'abstract')").all())
            assert connection.exec_driver_sql(relation).scalar() != file_before  # rewritten
        assert storage == {"search_vector": "m", "abstract": "x"}
        with database.session() as session:
            assert count_studies(session, StudyFilter(text="erythema resolved")) == 1
            stored = session.scalar(text("SELECT abstract FROM studies WHERE pmid = '424243'"))
            assert stored == LONG_ABSTRACT
    finally:
        database.dispose()


def test_an_upgrade_whose_statistics_refresh_is_blocked_still_opens(postgres_url,
                                                                   monkeypatch):
    """The upgrade is committed before the refresh: a refresh that cannot get its lock
    (here a colleague's transaction holding the tags table) costs a warning, not the open.
    libpq's PGOPTIONS gives the open a short lock timeout instead of an endless wait."""
    engine = create_engine(postgres_url)
    upgrade(engine, "0009")  # 0010 drops indexes of other tables, never touches tags
    _insert_study(engine, "424242", "Needling increased hair counts.")
    engine.dispose()
    holder = create_engine(postgres_url).connect()
    holder.exec_driver_sql("LOCK TABLE tags IN SHARE MODE")  # conflicts with VACUUM's lock
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=300")
    try:
        with pytest.warns(UserWarning, match=r"upgraded, but planner statistics were not "
                                             r"refreshed \(.*lock timeout"):
            database = open_database(postgres_url)
        try:
            assert current_revision(database.engine) == head_revision()
            with database.session() as session:
                assert count_studies(session, StudyFilter(text="hair counts")) == 1
        finally:
            database.dispose()
    finally:
        holder.rollback()
        holder.close()
        holder.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_database_url_precedence():
    env = {"EVIDENCE_DB_URL": "sqlite:///from-env.db"}
    assert Settings.from_sources(db_url="sqlite:///flag.db", environ=env).db_url == (
        "sqlite:///flag.db")
    assert Settings.from_sources(environ=env).db_url == "sqlite:///from-env.db"
    assert Settings.from_sources(environ={}).db_url == DEFAULT_DB_URL == (
        "sqlite:///data/evidence.db")


def test_eutils_settings_precedence():
    env = {"EVIDENCE_EUTILS_URL": "http://mirror/", "NCBI_API_KEY": "k", "NCBI_EMAIL": "e@x"}
    settings = Settings.from_sources(environ=env)
    assert (settings.eutils_url, settings.api_key, settings.email) == ("http://mirror/", "k",
                                                                       "e@x")
    assert Settings.from_sources(eutils_url="http://flag/", environ=env).eutils_url == (
        "http://flag/")
    assert Settings.from_sources(environ={}).eutils_url.startswith("https://eutils.ncbi")


def test_models_describe_the_migrated_schema(db_url):
    """The ORM classes and the Alembic revisions must not drift apart."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from evidence.models import Base

    database = open_database(db_url)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = compare_metadata(context, Base.metadata)
        # Full-text search lives outside the ORM (FTS5 tables, a generated tsvector).
        ignored = ("studies_fts", "search_vector")
        real = [diff for diff in differences if not any(name in repr(diff) for name in ignored)]
        assert real == []
    finally:
        database.dispose()


def _schema(engine: Engine) -> dict[str, object]:
    """What a migration may change, as the database's own catalogue states it: tables,
    columns, indexes and triggers (SQLite), column types, defaults, generated
    expressions, storage and indexes (PostgreSQL)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # the SQL that made each object, spaces aside
            return {"objects": sorted(
                (kind, name, table, " ".join((sql or "").split()))
                for kind, name, table, sql in connection.exec_driver_sql(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master "
                    "WHERE name NOT LIKE 'sqlite_stat%'"))}
        return {
            "columns": sorted(connection.exec_driver_sql(
                "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, "
                "c.column_default, c.generation_expression, a.attstorage "
                "FROM information_schema.columns c JOIN pg_attribute a "
                "ON a.attrelid = c.table_name::regclass AND a.attname = c.column_name "
                "WHERE c.table_schema = 'public'").all()),
            "indexes": sorted(connection.exec_driver_sql(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = 'public'").all()),
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def two_database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Two fresh databases of one backend: one walks the migrations up, one down."""
    for name in ("up", "down"):
        (tmp_path / name).mkdir()
    first = fresh_database_url(request.param, tmp_path / "up")
    second = fresh_database_url(request.param, tmp_path / "down")
    try:
        yield [next(first), next(second)]
    finally:
        next(first, None)
        next(second, None)


def test_every_migration_is_undone_to_the_schema_it_came_from(two_database_urls):
    """A team going back to an earlier release downgrades: each step down must give the
    schema that upgrading to that revision gives, and keep the studies."""
    climbing, descending = (create_engine(url) for url in two_database_urls)
    try:
        expected: dict[str, dict[str, object]] = {}
        for revision in revisions():
            upgrade(climbing, revision)
            expected[revision] = _schema(climbing)
        upgrade(descending, revisions()[0])
        _insert_study(descending, "424242", "Needling increased hair counts.")
        _insert_study(descending, "424243", LONG_ABSTRACT)
        upgrade(descending)
        for revision in reversed(revisions()[:-1]):
            downgrade(descending, revision)
            assert _schema(descending) == expected[revision], f"downgrade to {revision}"
            with descending.connect() as connection:
                assert connection.exec_driver_sql("SELECT count(*) FROM studies").scalar() == 2
        upgrade(descending)
        assert _schema(descending) == expected[revisions()[-1]]
    finally:
        climbing.dispose()
        descending.dispose()
    database = open_database(two_database_urls[1])
    try:
        with database.session() as session:
            assert count_studies(session, StudyFilter(text="erythema resolved")) == 1
            assert count_studies(session, StudyFilter(text="hair counts")) == 1
    finally:
        database.dispose()


def test_sqlite_statistics_give_every_index_the_table_row_count(tmp_path):
    """Sampled ANALYZE guessed a different row count per index, and at 300,000 studies
    the planner then read the wide table instead of a covering index (387 ms, not 90)."""
    from ingest.files import import_files
    from tests.corpus import write_corpus

    source = tmp_path / "corpus.xml"
    write_corpus(source, 3000)
    database = open_database(f"sqlite:///{tmp_path / 'stats.db'}")
    try:
        assert import_files(database, [source]).ok  # ends with refresh_statistics
        with database.engine.connect() as connection:
            stats = connection.exec_driver_sql(
                "SELECT tbl, stat FROM sqlite_stat1 WHERE tbl IN ('studies', 'tags')").all()
            counts = {table: connection.exec_driver_sql(
                f"SELECT count(*) FROM {table}").scalar() for table in ("studies", "tags")}
            plan = " ".join(str(row) for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT evidence_level, count(id) FROM studies "
                "GROUP BY evidence_level"))
    finally:
        database.dispose()
    assert {table for table, _ in stats} == {"studies", "tags"}
    assert all(int(stat.split()[0]) == counts[table] for table, stat in stats), stats
    assert "COVERING INDEX" in plan
