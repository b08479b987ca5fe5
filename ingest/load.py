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

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from evidence.db import Database
from evidence.models import (
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
CHILD_MODELS = (AbstractSectionRow, AuthorRow, PublicationTypeRow, MeshHeadingRow, KeywordRow,
                TrialIdRow, TagRow)

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

    @property
    def seen(self) -> int:
        return self.new + self.updated + self.unchanged + self.skipped + self.failed

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


def _study_values(article: Article, tagging: Tagging, source: str, now: dt.datetime
                  ) -> dict[str, Any]:
    depth = tagging.needle_depth_mm
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
        "updated_at": now,
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


def tag_rows(study_id: int, tagging: Tagging) -> list[dict[str, Any]]:
    return [
        {"study_id": study_id, "kind": tag.kind, "code": tag.code, "sentence": tag.sentence,
         "source": tag.source, "start": tag.start, "end": tag.end, "rule": tag.rule,
         "tagger_version": tagging.tagger_version}
        for tag in tagging.tags
    ]


def _child_rows(study_id: int, article: Article, tagging: Tagging
                ) -> dict[type, list[dict[str, Any]]]:
    return {
        AbstractSectionRow: [
            {"study_id": study_id, "position": i, "label": s.label, "category": s.category,
             "text": s.text} for i, s in enumerate(article.abstract)],
        AuthorRow: [
            {"study_id": study_id, "position": i, "last_name": a.last_name,
             "fore_name": a.fore_name, "initials": a.initials,
             "collective_name": a.collective_name, "affiliations": list(a.affiliations)}
            for i, a in enumerate(article.authors)],
        PublicationTypeRow: [
            {"study_id": study_id, "position": i, "name": name}
            for i, name in enumerate(article.publication_types)],
        MeshHeadingRow: [
            {"study_id": study_id, "position": i, "descriptor": m.descriptor,
             "descriptor_ui": m.descriptor_ui, "major_topic": m.major_topic,
             "qualifiers": list(m.qualifiers), "major_qualifiers": list(m.major_qualifiers)}
            for i, m in enumerate(article.mesh)],
        KeywordRow: [
            {"study_id": study_id, "position": i, "keyword": keyword}
            for i, keyword in enumerate(article.keywords)],
        TrialIdRow: [
            {"study_id": study_id, "registry_id": registry_id,
             "found_in": article.trial_id_sources.get(registry_id, "abstract")}
            for registry_id in article.trial_ids],
        TagRow: tag_rows(study_id, tagging),
    }


def _insert_children(session: Session, rows_by_model: dict[type, list[dict[str, Any]]]) -> None:
    for model, rows in rows_by_model.items():
        if rows:
            session.execute(insert(model), rows)


def write_batch(session: Session, articles: Sequence[Article], *, source: str,
                tagger: Tagger, counts: LoadCounts) -> None:
    """Upsert ``articles`` inside the caller's transaction."""
    latest: dict[str, Article] = {}
    for article in articles:  # a file may repeat a PMID; keep its newest revision
        held = latest.get(article.pmid)
        if held is None or (article.date_revised or "") >= (held.date_revised or ""):
            latest[article.pmid] = article
    counts.unchanged += len(articles) - len(latest)

    existing = {
        pmid: (study_id, digest, revised)
        for study_id, pmid, digest, revised in session.execute(
            select(Study.id, Study.pmid, Study.content_hash, Study.date_revised)
            .where(Study.pmid.in_(list(latest))))
    }
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fresh: list[tuple[Article, Tagging, dict[str, Any]]] = []
    changed: list[tuple[int, Article, Tagging, dict[str, Any]]] = []
    for pmid, article in latest.items():
        known = existing.get(pmid)
        if known is not None:
            study_id, digest, revised = known
            incoming = _date(article.date_revised)
            if digest == content_hash(article) or (revised and incoming and incoming < revised):
                counts.unchanged += 1
                continue
        tagging = tagger(article)
        values = _study_values(article, tagging, source, now)
        if known is None:
            values["first_seen_at"] = now
            fresh.append((article, tagging, values))
        else:
            changed.append((known[0], article, tagging, values))

    children: dict[type, list[dict[str, Any]]] = {model: [] for model in CHILD_MODELS}
    if fresh:
        inserted = session.execute(
            insert(Study).returning(Study.id, Study.pmid, sort_by_parameter_order=True),
            [values for _, _, values in fresh])
        for (study_id, _pmid), (article, tagging, _) in zip(inserted, fresh, strict=True):
            for model, rows in _child_rows(study_id, article, tagging).items():
                children[model].extend(rows)
        counts.new += len(fresh)
    if changed:
        ids = [study_id for study_id, _, _, _ in changed]
        for model in CHILD_MODELS:
            session.execute(delete(model).where(model.study_id.in_(ids)))
        session.execute(update(Study), [{"id": study_id, **values}
                                        for study_id, _, _, values in changed])
        for study_id, article, tagging, _ in changed:
            for model, rows in _child_rows(study_id, article, tagging).items():
                children[model].extend(rows)
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
    items: Iterable[ParsedItem],
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
    batch: list[Article] = []

    def flush() -> None:
        if not batch:
            return
        with database.session() as session:
            write_batch(session, batch, source=source, tagger=tagger, counts=counts)
            _record_progress(session, run_id, counts)
        if on_batch is not None:
            on_batch(len(batch))
        batch.clear()

    try:
        for item in items:
            if isinstance(item, Article):
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
