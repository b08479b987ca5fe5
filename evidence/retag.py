"""`evidence retag`: recompute every study's tags from what is stored, no network."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evidence.db import Database
from evidence.models import (
    AbstractSectionRow,
    KeywordRow,
    MeshHeadingRow,
    PublicationTypeRow,
    Study,
    TagRow,
)
from evidence.records import AbstractSection, Article, MeshHeading
from evidence.tagging.result import Tagging

# Studies per transaction: a crash mid-retag leaves whole studies, old or new.
RETAG_BATCH = 500


@dataclass
class RetagResult:
    studies: int
    changed: int
    tagger_version: str


def _articles(session: Session, ids: Sequence[int]) -> list[tuple[Study, Article]]:
    """Rebuild the tagger's inputs (title, sections, types, MeSH, keywords) from rows."""
    sections: dict[int, list[AbstractSection]] = defaultdict(list)
    for row in session.scalars(select(AbstractSectionRow).where(
            AbstractSectionRow.study_id.in_(ids)).order_by(AbstractSectionRow.position)):
        sections[row.study_id].append(AbstractSection(row.text, row.label, row.category))
    types: dict[int, list[str]] = defaultdict(list)
    for study_id, name in session.execute(select(
            PublicationTypeRow.study_id, PublicationTypeRow.name)
            .where(PublicationTypeRow.study_id.in_(ids)).order_by(PublicationTypeRow.position)):
        types[study_id].append(name)
    mesh: dict[int, list[MeshHeading]] = defaultdict(list)
    for row in session.scalars(select(MeshHeadingRow).where(
            MeshHeadingRow.study_id.in_(ids)).order_by(MeshHeadingRow.position)):
        mesh[row.study_id].append(MeshHeading(
            row.descriptor, row.descriptor_ui, row.major_topic, tuple(row.qualifiers),
            tuple(row.major_qualifiers)))
    keywords: dict[int, list[str]] = defaultdict(list)
    for study_id, keyword in session.execute(select(KeywordRow.study_id, KeywordRow.keyword)
                                             .where(KeywordRow.study_id.in_(ids))
                                             .order_by(KeywordRow.position)):
        keywords[study_id].append(keyword)
    studies = session.scalars(select(Study).where(Study.id.in_(ids)).order_by(Study.id))
    return [(study, Article(
        pmid=study.pmid, title=study.title, abstract=sections[study.id],
        publication_types=types[study.id], mesh=mesh[study.id], keywords=keywords[study.id],
        year=study.year, retracted=study.retracted)) for study in studies]


def retag_all(database: Database, *, tagger: Callable[[Article], Tagging] | None = None,
              on_batch: Callable[[int], None] | None = None) -> RetagResult:
    from evidence.tagging import TAGGER_VERSION, tag_article
    from ingest.bulk import insert_rows, update_rows
    from ingest.rows import STUDY_TAGGING_COLUMNS, TAG_COLUMNS, tag_rows, tagging_row

    tagger = tagger or tag_article
    with database.session() as session:
        all_ids = list(session.scalars(select(Study.id).order_by(Study.id)))
    changed = 0
    version = TAGGER_VERSION
    for start in range(0, len(all_ids), RETAG_BATCH):
        ids = all_ids[start:start + RETAG_BATCH]
        with database.session() as session:
            old = defaultdict(set)
            for study_id, kind, code in session.execute(
                    select(TagRow.study_id, TagRow.kind, TagRow.code)
                    .where(TagRow.study_id.in_(ids))):
                old[study_id].add((kind, code))
            rows, updates = [], []
            for study, article in _articles(session, ids):
                tagging = tagger(article)
                version = tagging.tagger_version
                if {(tag.kind, tag.code) for tag in tagging.tags} != old[study.id]:
                    changed += 1
                updates.append((*tagging_row(tagging), study.id))
                rows.extend((study.id, *row) for row in tag_rows(tagging))
            session.execute(delete(TagRow).where(TagRow.study_id.in_(ids)))
            update_rows(session, Study.__tablename__, "id", STUDY_TAGGING_COLUMNS, updates)
            insert_rows(session, TagRow.__tablename__, ("study_id", *TAG_COLUMNS), rows)
        if on_batch is not None:
            on_batch(len(ids))
    if changed:
        database.refresh_statistics()
    return RetagResult(studies=len(all_ids), changed=changed, tagger_version=version)
