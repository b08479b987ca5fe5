"""Opening databases: migrations on first use, upgrades that keep rows, URL precedence."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from evidence.db import current_revision, head_revision, open_database, upgrade
from evidence.queries import StudyFilter, count_studies
from evidence.settings import DEFAULT_DB_URL, Settings


def test_new_database_is_created_at_the_head_revision(db_url):
    database = open_database(db_url)
    try:
        assert current_revision(database.engine) == head_revision()
        tables = set(inspect(database.engine).get_table_names())
        assert {"studies", "authors", "tags", "ingest_runs", "pending_pmids"} <= tables
    finally:
        database.dispose()


def test_an_older_database_is_upgraded_without_losing_a_row(db_url):
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO studies (pmid, title, abstract, languages, retracted, content_hash, "
            "first_seen_at, updated_at, relevant, design, evidence_level) VALUES "
            "('424242', 'Dermaroller for alopecia', 'Needling increased hair counts.', '[]', "
            "false, 'x', '2020-01-01', '2020-01-01', true, 'rct', 2)"))
    engine.dispose()
    database = open_database(db_url)
    try:
        assert current_revision(database.engine) == head_revision()
        with database.session() as session:
            assert count_studies(session) == 1
            # the full-text index added by 0002 covers rows that existed before it
            assert count_studies(session, StudyFilter(text="hair counts")) == 1
            assert count_studies(session, StudyFilter(text="melasma")) == 0
    finally:
        database.dispose()


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
