"""`evidence check` finds what an interrupted write could leave; `evidence retag`
recomputes tags from what is stored, without network."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select, text, update

from evidence.cli import main
from evidence.models import Study, TagRow
from evidence.tagging import TAGGER_VERSION
from tests.conftest import FIXTURES

EDGE = str(FIXTURES / "edge_cases.xml")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_passes_on_a_fresh_import(db_url):
    assert run("import", "--db", db_url, EDGE).exit_code == 0
    result = run("check", "--db", db_url)
    assert result.exit_code == 0
    assert result.stdout.strip() == "database is consistent"


def test_check_reports_orphans_and_stale_tags(database):
    assert run("import", "--db", database.url, EDGE).exit_code == 0
    with database.session() as session:
        session.execute(update(Study).where(Study.pmid == "90000002")
                        .values(tagger_version="2000.1.1"))
        session.execute(update(TagRow).where(TagRow.study_id == select(Study.id).where(
            Study.pmid == "90000002").scalar_subquery()).values(tagger_version="2000.1.1"))
    if database.dialect == "sqlite":  # orphans need the foreign keys off, as a crash might
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.execute(text("DELETE FROM studies WHERE pmid = '90000003'"))
            connection.commit()
    result = run("check", "--db", database.url)
    assert result.exit_code == 1
    assert (f"1 studies tagged by an older tagger version (current {TAGGER_VERSION}; run "
            "`evidence retag`)") in result.stdout
    if database.dialect == "sqlite":
        assert "tags row(s) without their study" in result.stdout
    assert result.stderr.strip().startswith("evidence: ") and "problem(s) found" in (
        result.stderr)


def test_check_finds_lost_or_foreign_tags_and_retag_restores_them(database):
    """Tag rows gone (a fault, a hand edit) drop a study out of every tag filter; check
    must say so, and name the command that puts them back."""
    assert run("import", "--db", database.url, EDGE).exit_code == 0
    with database.session() as session:
        first = select(Study.id).where(Study.pmid == "90000001").scalar_subquery()
        session.execute(TagRow.__table__.delete().where(TagRow.study_id == first,
                                                        TagRow.kind == "outcome"))
        second = select(Study.id).where(Study.pmid == "90000002").scalar_subquery()
        session.execute(TagRow.__table__.delete().where(TagRow.study_id == second))
        session.execute(update(TagRow).where(TagRow.kind == "design", TagRow.study_id == select(
            Study.id).where(Study.pmid == "90000003").scalar_subquery()).values(code="rct_ish"))
    result = run("check", "--db", database.url)
    assert result.exit_code == 1
    assert ("2 studies whose tags rows are not the ones the tagger wrote (some lost or added; "
            "run `evidence retag`)") in result.stdout
    assert "tags with codes outside TAGS.md: design 'rct_ish' (run `evidence retag`)" in (
        result.stdout)
    assert run("retag", "--db", database.url).exit_code == 0
    assert run("check", "--db", database.url).stdout.strip() == "database is consistent"


def test_the_tag_count_of_rows_written_before_it_is_their_rows(database):
    """Migration 0015 counts the rows each study has, so an upgraded database checks
    clean (and a later loss is still found)."""
    from evidence.db import downgrade, upgrade

    assert run("import", "--db", database.url, EDGE).exit_code == 0
    downgrade(database.engine, "0014")
    upgrade(database.engine)
    with database.session() as session:
        counts = dict(session.execute(select(Study.id, Study.tag_count)).all())
        actual = dict(session.execute(select(TagRow.study_id, func.count(TagRow.id))
                                      .group_by(TagRow.study_id)).all())
    assert counts == {study_id: actual.get(study_id, 0) for study_id in counts}
    assert run("check", "--db", database.url).stdout.strip() == "database is consistent"


def test_check_reports_a_full_text_index_out_of_step(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'fts.db'}"
    assert run("import", "--db", db_url, EDGE).exit_code == 0
    from evidence.db import open_database

    database = open_database(db_url)
    with database.engine.begin() as connection:  # as if a crash lost part of the index
        connection.exec_driver_sql(
            "INSERT INTO studies_fts(studies_fts, rowid, title, abstract) "
            "SELECT 'delete', id, title, abstract FROM studies WHERE pmid = '90000002'")
    database.dispose()
    result = run("check", "--db", db_url)
    assert result.exit_code == 1
    assert "full-text index holds 3 studies, table has 4" in result.stdout


def test_retag_recomputes_every_study_without_changing_stable_results(database):
    assert run("import", "--db", database.url, EDGE).exit_code == 0

    def snapshot():
        with database.session() as session:
            return sorted(session.execute(
                select(Study.pmid, TagRow.kind, TagRow.code, TagRow.sentence, TagRow.start,
                       TagRow.end).join(TagRow, TagRow.study_id == Study.id)).all())

    before = snapshot()
    with database.session() as session:  # pretend an older tagger wrote them
        session.execute(update(Study).values(tagger_version="2000.1.1", design="other"))
        session.execute(update(TagRow).values(tagger_version="2000.1.1"))
        session.execute(TagRow.__table__.delete().where(TagRow.kind == "outcome"))
    result = run("retag", "--db", database.url)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"retagged 4 studies with tagger {TAGGER_VERSION}")
    assert snapshot() == before
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Study)
                              .where(Study.tagger_version != TAGGER_VERSION)) == 0
        assert session.scalar(select(Study.design).where(Study.pmid == "90000001")) == "rct"
    assert run("check", "--db", database.url).exit_code == 0
