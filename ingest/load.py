"""Parsed records to database rows: batched upserts by PMID.

Each batch is one transaction, so an interrupted import leaves whole studies
or none, and running it again only does the work that is left. A study whose
content is unchanged is not touched; an older revision never replaces a newer
one; a changed one has its row updated and all its children replaced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from evidence.db import Database
from evidence.models import STUDY_CHILDREN, IngestRun, PendingPmid, Study, TagRow
from evidence.records import Article, DeletedCitations, InvalidRecord, ParsedItem, SkippedRecord
from evidence.settings import IMPORT_BATCH_SIZE
from evidence.tagging.result import Tagging
from ingest.bulk import insert_rows, update_rows
from ingest.rows import (
    RECORD_CHILD_COLUMNS,
    STUDY_COLUMNS,
    STUDY_RECORD_COLUMNS,
    STUDY_TAGGING_COLUMNS,
    TAG_COLUMNS,
    Row,
    StudyRows,
    study_rows,
)

DEFAULT_BATCH_SIZE = IMPORT_BATCH_SIZE
CHILD_MODELS = STUDY_CHILDREN

Tagger = Callable[[Article], Tagging]


@dataclass
class LoadCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "deleted": self.deleted, "skipped": self.skipped, "failed": self.failed}


def default_tagger() -> Tagger:
    from evidence.tagging import tag_article

    return tag_article


def index_new_studies(session: Session, study_ids: Sequence[int]) -> None:
    """Add newly inserted studies to SQLite's full-text index, in one statement.

    PostgreSQL keeps its generated tsvector column up to date by itself.
    """
    if study_ids and session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("INSERT INTO studies_fts(rowid, title, abstract) SELECT id, title, abstract "
                 "FROM studies WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": list(study_ids)})


def _timestamp(session: Session) -> Any:
    """Now, as the ``updated_at`` column stores it (SQLite keeps text; the driver's own
    conversion is bypassed by the bulk writes, so SQLAlchemy's is applied here)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    dialect = session.get_bind().dialect
    process = Study.__table__.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
    return process(now) if process is not None else now


def _newest_per_pmid(batch: Sequence[StudyRows]) -> dict[str, StudyRows]:
    """A file may repeat a PMID; keep its newest revision (the last of equals)."""
    latest: dict[str, StudyRows] = {}
    for rows in batch:
        held = latest.get(rows.pmid)
        if held is None or (rows.date_revised or "") >= (held.date_revised or ""):
            latest[rows.pmid] = rows
    return latest


def _children(targets: Iterable[tuple[int, StudyRows]]) -> tuple[list[list[Row]], list[Row]]:
    """Child rows and tag rows of ``targets``, each led by its study's id."""
    children: list[list[Row]] = [[] for _ in RECORD_CHILD_COLUMNS]
    tags: list[Row] = []
    for study_id, rows in targets:
        for into, own in zip(children, rows.children, strict=True):
            into.extend([(study_id, *row) for row in own])
        tags.extend([(study_id, *row) for row in rows.tags or ()])
    return children, tags


def write_batch(session: Session, batch: Sequence[StudyRows], *, tagger: Tagger,
                counts: LoadCounts) -> None:
    """Upsert ``batch`` inside the caller's transaction."""
    latest = _newest_per_pmid(batch)
    counts.unchanged += len(batch) - len(latest)
    existing = {
        pmid: (study_id, digest, revised.isoformat() if revised else None)
        for study_id, pmid, digest, revised in session.execute(
            select(Study.id, Study.pmid, Study.content_hash, Study.date_revised)
            .where(Study.pmid.in_(list(latest))))
    }
    fresh: list[StudyRows] = []
    changed: list[tuple[int, StudyRows]] = []
    for pmid, rows in latest.items():
        known = existing.get(pmid)
        if known is not None:
            _study_id, digest, revised = known
            incoming = rows.date_revised
            if digest == rows.content_hash or (revised and incoming and incoming < revised):
                counts.unchanged += 1
                continue
        if rows.tagging is None:  # tagged here, and only now that it is to be written
            assert rows.article is not None
            rows = rows.tagged(tagger(rows.article))
        if known is None:
            fresh.append(rows)
        else:
            changed.append((known[0], rows))

    now = _timestamp(session)
    targets: list[tuple[int, StudyRows]] = []
    if fresh:
        insert_rows(session, Study.__tablename__, STUDY_COLUMNS,
                    [(*rows.record, *(rows.tagging or ()), now, now) for rows in fresh])
        # One lookup for the new ids: INSERT ... RETURNING in parameter order would
        # make SQLite fall back to one statement per row.
        new_ids = dict(session.execute(select(Study.pmid, Study.id)
                                       .where(Study.pmid.in_([r.pmid for r in fresh]))).all())
        index_new_studies(session, list(new_ids.values()))
        targets.extend((new_ids[rows.pmid], rows) for rows in fresh)
        counts.new += len(fresh)
    if changed:
        ids = [study_id for study_id, _ in changed]
        for model in CHILD_MODELS:
            session.execute(delete(model).where(model.study_id.in_(ids)))
        update_rows(session, Study.__tablename__, "id",
                    (*STUDY_RECORD_COLUMNS, *STUDY_TAGGING_COLUMNS, "updated_at"),
                    [(*rows.record, *(rows.tagging or ()), now, study_id)
                     for study_id, rows in changed])
        targets.extend(changed)
        counts.updated += len(changed)
    children, tags = _children(targets)
    for table, own_rows in zip(RECORD_CHILD_COLUMNS, children, strict=True):
        insert_rows(session, table, ("study_id", *RECORD_CHILD_COLUMNS[table]), own_rows)
    insert_rows(session, TagRow.__tablename__, ("study_id", *TAG_COLUMNS), tags)
    session.execute(delete(PendingPmid).where(PendingPmid.pmid.in_(list(latest))))


def delete_studies(session: Session, pmids: Iterable[str]) -> int:
    """Remove studies (``DeleteCitation``); children go with them (ON DELETE CASCADE)."""
    pmids = list(pmids)
    ids = list(session.scalars(select(Study.id).where(Study.pmid.in_(pmids))))
    if not ids:
        return 0
    for model in CHILD_MODELS:  # explicit, so backends without FK enforcement stay clean
        session.execute(delete(model).where(model.study_id.in_(ids)))
    session.execute(delete(Study).where(Study.id.in_(ids)))
    return len(ids)


def _record_progress(session: Session, run_id: int | None, counts: LoadCounts) -> None:
    if run_id is not None:
        session.execute(update(IngestRun).where(IngestRun.id == run_id)
                        .values(**counts.as_dict()))


def load_items(
    database: Database,
    items: Iterable[ParsedItem | StudyRows],
    *,
    source: str,
    tagger: Tagger | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    run_id: int | None = None,
    counts: LoadCounts | None = None,
    on_batch: Callable[[int], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> LoadCounts:
    """Store every record of ``items``, ``batch_size`` studies per transaction.

    If iterating ``items`` raises (a damaged file), the records read before
    the fault are committed first, then the error propagates: nothing read
    is lost and nothing is half-written.
    """
    tagger = tagger or default_tagger()
    counts = counts if counts is not None else LoadCounts()
    batch: list[StudyRows] = []

    def flush() -> None:
        if not batch:
            return
        with database.session() as session:
            write_batch(session, batch, tagger=tagger, counts=counts)
            _record_progress(session, run_id, counts)
        if on_batch is not None:
            on_batch(len(batch))
        batch.clear()

    try:
        for item in items:
            if isinstance(item, Article):
                item = study_rows(item, source)
            if isinstance(item, StudyRows):
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            elif isinstance(item, DeletedCitations):
                flush()  # a deletion applies after the records that came before it
                with database.session() as session:
                    counts.deleted += delete_studies(session, item.pmids)
                    _record_progress(session, run_id, counts)
            elif isinstance(item, SkippedRecord):
                counts.skipped += 1
            elif isinstance(item, InvalidRecord):
                counts.failed += 1
                counts.errors.append(item.reason)
                if on_error is not None:
                    on_error(item.reason)
    finally:
        flush()
    return counts
