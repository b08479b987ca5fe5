"""Opening databases: migrations on first use, upgrades that keep rows, URL precedence."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from evidence.db import current_revision, head_revision, open_database, upgrade
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


# Long enough that PostgreSQL stores it out of the row (TOAST): migration 0009
# rewrites such rows, and the text must come through whole and still be found.
LONG_ABSTRACT = " ".join(f"Follow-up visit {week} recorded vellus hair growth."
                         for week in range(60)) + " Scalp erythema resolved by week 61."


def test_an_older_database_is_upgraded_without_losing_a_row(db_url):
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        for pmid, abstract in (("424242", "Needling increased hair counts."),
                               ("424243", LONG_ABSTRACT)):
            connection.execute(text(
                "INSERT INTO studies (pmid, title, abstract, languages, retracted, "
                "content_hash, first_seen_at, updated_at, relevant, design, evidence_level) "
                "VALUES (:pmid, 'Dermaroller for alopecia', :abstract, '[]', false, 'x', "
                "'2020-01-01', '2020-01-01', true, 'rct', 2)"),
                {"pmid": pmid, "abstract": abstract})
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
            if database.dialect == "sqlite":
                analysed = {row[0] for row in connection.exec_driver_sql(
                    "SELECT DISTINCT tbl FROM sqlite_stat1")}
            else:
                analysed = {row[0] for row in connection.exec_driver_sql(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                    "AND last_vacuum IS NOT NULL")}
        assert "studies" in analysed
    finally:
        database.dispose()


def test_postgresql_keeps_the_search_vector_in_the_row(tmp_path):
    """Migration 0009: stored MAIN, so the planner's cheap per-row test really is cheap
    (the search vector is PostgreSQL's; SQLite has FTS5)."""
    urls = fresh_database_url("postgresql", tmp_path)
    database = open_database(next(urls))
    try:
        with database.engine.connect() as connection:
            storage = {name: kind for name, kind in connection.exec_driver_sql(
                "SELECT attname, attstorage FROM pg_attribute "
                "WHERE attrelid = 'studies'::regclass AND attname IN ('search_vector', "
                "'abstract')")}
        assert storage == {"search_vector": "m", "abstract": "x"}
    finally:
        database.dispose()
        urls.close()  # drops the database


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
