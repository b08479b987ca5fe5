"""Parsed records to database rows: batched upserts by PMID.

Each batch is one transaction, so an interrupted import leaves whole studies
or none, and running it again only does the work that is left. A study whose
content is unchanged is not touched; an older revision never replaces a newer
one; a changed one has its row updated and all its children replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from evidence.db import Database
from evidence.models import (
    STUDY_CHILDREN,
    AbstractSectionRow,
    AuthorRow,
    IngestRun,
    KeywordRow,
    MeshHeadingRow,
    PendingPmid,
    PublicationTypeRow,
    Study,
    TagRow,
    TrialIdRow,
)
from evidence.records import Article, DeletedCitations, InvalidRecord, ParsedItem, SkippedRecord
from evidence.tagging.result import Tagging
from ingest.pubmed_xml import sort_date

# Large enough to amortise a transaction, small enough that a crash loses little work
# and SQLite's bound-parameter limit is never reached in the IN (...) lookups.
DEFAULT_BATCH_SIZE = 500
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


def content_hash(article: Article) -> str:
    """A fingerprint of everything we store from the record, to skip unchanged ones."""
    return hashlib.blake2b(repr(article).encode("utf-8"), digest_size=16).hexdigest()


def _date(iso: str | None) -> dt.date | None:
    if not iso:
        return None
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        return None


def _article_values(article: Article, source: str) -> dict[str, Any]:
    """The ``studies`` columns that come from the record itself."""
    return {
        "pmid": article.pmid,
        "doi": article.doi,
        "pmcid": article.pmcid,
        "title": article.title,
        "abstract": article.abstract_text,
        "journal": article.journal,
        "journal_abbrev": article.journal_abbrev,
        "volume": article.volume,
        "issue": article.issue,
        "pages": article.pages,
        "year": article.year,
        "pub_date": article.pub_date,
        "pub_sort_date": _date(sort_date(article.pub_date)),
        "languages": article.languages,
        "publication_status": article.publication_status,
        "date_revised": _date(article.date_revised),
        "retracted": article.retracted,
        "source": source,
        "content_hash": content_hash(article),
    }


def tagging_values(tagging: Tagging) -> dict[str, Any]:
    """The ``studies`` columns that come from the tagger (denormalised for filters)."""
    depth = tagging.needle_depth_mm
    return {
        "relevant": tagging.relevant,
        "design": tagging.design,
        "evidence_level": tagging.evidence_level,
        "sample_size": tagging.sample_size,
        "sessions": tagging.sessions,
        "needle_depth_min_mm": depth[0] if depth else None,
        "needle_depth_max_mm": depth[1] if depth else None,
        "follow_up_weeks": tagging.follow_up_weeks,
        "tagger_version": tagging.tagger_version,
    }


def tag_rows(study_id: int | None, tagging: Tagging) -> list[dict[str, Any]]:
    return [
        {"study_id": study_id, "kind": tag.kind, "code": tag.code, "sentence": tag.sentence,
         "source": tag.source, "start": tag.start, "end": tag.end, "rule": tag.rule,
         "tagger_version": tagging.tagger_version}
        for tag in tagging.tags
    ]


def _child_rows(article: Article) -> dict[type, list[dict[str, Any]]]:
    """Child rows of one record, ``study_id`` left to fill in once it is known."""
    return {
        AbstractSectionRow: [
            {"position": i, "label": s.label, "category": s.category, "text": s.text}
            for i, s in enumerate(article.abstract)],
        AuthorRow: [
            {"position": i, "last_name": a.last_name, "fore_name": a.fore_name,
             "initials": a.initials, "collective_name": a.collective_name,
             "affiliations": list(a.affiliations)}
            for i, a in enumerate(article.authors)],
        PublicationTypeRow: [
            {"position": i, "name": name} for i, name in enumerate(article.publication_types)],
        MeshHeadingRow: [
            {"position": i, "descriptor": m.descriptor, "descriptor_ui": m.descriptor_ui,
             "major_topic": m.major_topic, "qualifiers": list(m.qualifiers),
             "major_qualifiers": list(m.major_qualifiers)}
            for i, m in enumerate(article.mesh)],
        KeywordRow: [
            {"position": i, "keyword": keyword} for i, keyword in enumerate(article.keywords)],
        TrialIdRow: [
            {"registry_id": registry_id,
             "found_in": article.trial_id_sources.get(registry_id, "abstract")}
            for registry_id in article.trial_ids],
    }


@dataclass
class PreparedStudy:
    """One record as the rows it becomes: built anywhere, written by one writer.

    Plain dicts, so a worker process can build it and hand it over cheaply.
    ``tagging`` columns and tag rows are absent until the record is tagged;
    the writer tags only what is new or changed.
    """

    pmid: str
    values: dict[str, Any]
    children: dict[type, list[dict[str, Any]]]
    article: Article | None = None
    tag_values: dict[str, Any] | None = None
    tags: list[dict[str, Any]] | None = None

    @property
    def date_revised(self) -> dt.date | None:
        return self.values["date_revised"]

    def tag_with(self, tagging: Tagging) -> PreparedStudy:
        self.tag_values = tagging_values(tagging)
        self.tags = tag_rows(None, tagging)
        return self


def prepare(article: Article, source: str, tagging: Tagging | None = None) -> PreparedStudy:
    prepared = PreparedStudy(pmid=article.pmid, values=_article_values(article, source),
                             children=_child_rows(article))
    if tagging is None:
        prepared.article = article  # tagged later, and only if it needs writing
    else:
        prepared.tag_with(tagging)
    return prepared


def _insert_children(session: Session, rows_by_model: dict[type, list[dict[str, Any]]]) -> None:
    # Core inserts: one executemany per table. The ORM's bulk path would build
    # persistence state for every row, which costs more than the database does.
    for model, rows in rows_by_model.items():
        if rows:
            session.execute(model.__table__.insert(), rows)


def index_new_studies(session: Session, study_ids: Sequence[int]) -> None:
    """Add newly inserted studies to SQLite's full-text index, in one statement.

    PostgreSQL keeps its generated tsvector column up to date by itself.
    """
    if study_ids and session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("INSERT INTO studies_fts(rowid, title, abstract) SELECT id, title, abstract "
                 "FROM studies WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": list(study_ids)})


def write_batch(session: Session, batch: Sequence[PreparedStudy], *, tagger: Tagger,
                counts: LoadCounts) -> None:
    """Upsert ``batch`` inside the caller's transaction."""
    latest: dict[str, PreparedStudy] = {}
    for prepared in batch:  # a file may repeat a PMID; keep its newest revision
        held = latest.get(prepared.pmid)
        if held is None or (prepared.date_revised or dt.date.min) >= (
                held.date_revised or dt.date.min):
            latest[prepared.pmid] = prepared
    counts.unchanged += len(batch) - len(latest)

    existing = {
        pmid: (study_id, digest, revised)
        for study_id, pmid, digest, revised in session.execute(
            select(Study.id, Study.pmid, Study.content_hash, Study.date_revised)
            .where(Study.pmid.in_(list(latest))))
    }
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fresh: list[PreparedStudy] = []
    changed: list[tuple[int, PreparedStudy]] = []
    for pmid, prepared in latest.items():
        known = existing.get(pmid)
        if known is not None:
            _study_id, digest, revised = known
            incoming = prepared.date_revised
            if digest == prepared.values["content_hash"] or (
                    revised and incoming and incoming < revised):
                counts.unchanged += 1
                continue
        if prepared.tag_values is None:
            assert prepared.article is not None
            prepared.tag_with(tagger(prepared.article))
        if known is None:
            fresh.append(prepared)
        else:
            changed.append((known[0], prepared))

    children: dict[type, list[dict[str, Any]]] = {model: [] for model in CHILD_MODELS}

    def collect(study_id: int, prepared: PreparedStudy) -> None:
        for model, rows in prepared.children.items():
            children[model].extend({**row, "study_id": study_id} for row in rows)
        children[TagRow].extend({**row, "study_id": study_id} for row in prepared.tags or ())

    if fresh:
        # Plain executemany, then one lookup for the new ids: INSERT ... RETURNING
        # in parameter order makes SQLite fall back to one statement per row.
        session.execute(Study.__table__.insert(), [
            {**p.values, **(p.tag_values or {}), "first_seen_at": now, "updated_at": now}
            for p in fresh])
        new_ids = dict(session.execute(select(Study.pmid, Study.id)
                                       .where(Study.pmid.in_([p.pmid for p in fresh]))).all())
        index_new_studies(session, list(new_ids.values()))
        for prepared in fresh:
            collect(new_ids[prepared.pmid], prepared)
        counts.new += len(fresh)
    if changed:
        ids = [study_id for study_id, _ in changed]
        for model in CHILD_MODELS:
            session.execute(delete(model).where(model.study_id.in_(ids)))
        session.execute(update(Study), [
            {"id": study_id, **p.values, **(p.tag_values or {}), "updated_at": now}
            for study_id, p in changed])
        for study_id, prepared in changed:
            collect(study_id, prepared)
        counts.updated += len(changed)
    _insert_children(session, children)
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
    items: Iterable[ParsedItem | PreparedStudy],
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
    batch: list[PreparedStudy] = []

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
                item = prepare(item, source)
            if isinstance(item, PreparedStudy):
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
