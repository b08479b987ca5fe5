"""`evidence check`: the invariants an interrupted or concurrent write must keep."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from evidence.db import Database
from evidence.models import STUDY_CHILDREN as CHILDREN
from evidence.models import AbstractSectionRow, Study, TagRow
from evidence.tagging.vocabulary import CODES_BY_KIND


def check_database(database: Database) -> list[str]:
    """One line per problem found; an empty list means the database is consistent."""
    from evidence.tagging import TAGGER_VERSION

    problems: list[str] = []
    with database.session() as session:
        for model in CHILDREN:
            orphans = session.scalar(
                select(func.count()).select_from(model)
                .where(~select(Study.id).where(Study.id == model.study_id).exists()))
            if orphans:
                problems.append(f"{orphans} {model.__tablename__} row(s) without their study")
        untagged = session.scalar(select(func.count(Study.id))
                                  .where(Study.tagger_version.is_(None)))
        if untagged:
            problems.append(f"{untagged} studies never tagged")
        abstract_without_sections = session.scalar(select(func.count(Study.id)).where(
            Study.abstract != "",
            ~select(AbstractSectionRow.study_id)
            .where(AbstractSectionRow.study_id == Study.id).exists()))
        if abstract_without_sections:
            problems.append(f"{abstract_without_sections} studies with an abstract but no "
                            "abstract sections")
        stale = session.scalar(select(func.count(Study.id)).where(
            Study.tagger_version != TAGGER_VERSION))
        if stale:
            problems.append(f"{stale} studies tagged by an older tagger version "
                            f"(current {TAGGER_VERSION}; run `evidence retag`)")
        mixed = session.scalar(
            select(func.count(TagRow.id)).join(Study, Study.id == TagRow.study_id)
            .where(TagRow.tagger_version != Study.tagger_version))
        if mixed:
            problems.append(f"{mixed} tag(s) whose version differs from their study's")
        miscounted = session.scalar(select(func.count(Study.id)).where(
            Study.tag_count.is_not(None),
            Study.tag_count != select(func.count(TagRow.id))
            .where(TagRow.study_id == Study.id).scalar_subquery()))
        if miscounted:
            problems.append(f"{miscounted} studies whose tags rows are not the ones the tagger "
                            "wrote (some lost or added; run `evidence retag`)")
        unknown = [f"{kind} {code!r}" for kind, code in session.execute(
            select(TagRow.kind, TagRow.code).where(TagRow.kind.in_(list(CODES_BY_KIND)))
            .distinct()) if code not in CODES_BY_KIND[kind]]
        if unknown:
            problems.append(f"tags with codes outside TAGS.md: {', '.join(sorted(unknown)[:10])}"
                            " (run `evidence retag`)")
        if database.dialect == "sqlite":
            studies = session.scalar(select(func.count(Study.id))) or 0
            indexed = session.scalar(text("SELECT count(*) FROM studies_fts_docsize")) or 0
            if indexed != studies:
                problems.append(f"full-text index holds {indexed} studies, table has {studies}")
            try:
                with session.begin_nested():
                    session.execute(text("INSERT INTO studies_fts(studies_fts, rank) "
                                         "VALUES ('integrity-check', 1)"))
            except DBAPIError as exc:
                problems.append(f"full-text index out of step with studies: {exc.orig}")
    return problems
