"""Every read of the database lives here: filters, study records, summaries.

The CLI's ``export`` and the dashboard build the same :class:`StudyFilter`,
so they cannot disagree about which studies a filter selects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, text
from sqlalchemy.orm import Session

from evidence.models import (
    AuthorRow,
    IngestRun,
    KeywordRow,
    MeshHeadingRow,
    PublicationTypeRow,
    Study,
    TagRow,
    TrialIdRow,
)

# Export records are assembled this many studies at a time: bounded memory for
# any result size, few round trips.
RECORD_CHUNK = 1000
TAG_FILTER_KINDS = {"designs": None, "outcomes": "outcome", "interventions": "intervention",
                    "conditions": "condition", "devices": "device"}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class StudyFilter:
    """The filters of CONTRACT.md. Empty means "every stored study".

    ``designs`` matches any of the listed designs (a study has exactly one).
    Each list of tag codes (outcomes, interventions, ...) must all be present:
    ``interventions=("microneedling", "minoxidil")`` selects studies with both
    arms, the question a practitioner asks. Evidence levels run from 1 (best)
    to 5; ``min_level``/``max_level`` bound the number.
    """

    designs: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    min_year: int | None = None
    max_year: int | None = None
    min_n: int | None = None
    min_level: int | None = None
    max_level: int | None = None
    relevant_only: bool = False
    exclude_retracted: bool = False
    text: str | None = None

    def describe(self) -> dict[str, Any]:
        """The filters that are set, for an export's About sheet and the dashboard."""
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items() if value not in (None, (), False, "")}

    def is_empty(self) -> bool:
        return not self.describe()


def _text_condition(dialect: str, words: str) -> Any:
    tokens = _WORD.findall(words)
    if not tokens:
        return None
    if dialect == "sqlite":
        # Each word quoted: user text can never be read as FTS5 query syntax.
        match = " ".join('"' + token.replace('"', '""') + '"' for token in tokens)
        return Study.id.in_(
            select(text("rowid")).select_from(text("studies_fts"))
            .where(text("studies_fts MATCH :fts_query")).params(fts_query=match))
    if dialect == "postgresql":
        return text("studies.search_vector @@ plainto_tsquery('english', :ts_query)").bindparams(
            ts_query=" ".join(tokens))
    return and_(*(or_(Study.title.ilike(f"%{token}%"), Study.abstract.ilike(f"%{token}%"))
                  for token in tokens))


def apply_filter(statement: Select[Any], study_filter: StudyFilter, dialect: str) -> Select[Any]:
    """Add the WHERE clauses of ``study_filter`` to a statement over ``studies``."""
    f = study_filter
    conditions: list[Any] = []
    if f.designs:
        conditions.append(Study.design.in_(f.designs))
    for attribute, kind in TAG_FILTER_KINDS.items():
        if kind is None:
            continue
        for code in getattr(f, attribute):
            conditions.append(exists().where(
                TagRow.study_id == Study.id, TagRow.kind == kind, TagRow.code == code))
    if f.min_year is not None:
        conditions.append(Study.year >= f.min_year)
    if f.max_year is not None:
        conditions.append(Study.year <= f.max_year)
    if f.min_n is not None:
        conditions.append(Study.sample_size >= f.min_n)
    if f.min_level is not None:
        conditions.append(Study.evidence_level >= f.min_level)
    if f.max_level is not None:
        conditions.append(Study.evidence_level <= f.max_level)
    if f.relevant_only:
        conditions.append(Study.relevant.is_(True))
    if f.exclude_retracted:
        conditions.append(Study.retracted.is_(False))
    if f.text:
        condition = _text_condition(dialect, f.text)
        if condition is not None:
            conditions.append(condition)
    return statement.where(*conditions) if conditions else statement


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def count_studies(session: Session, study_filter: StudyFilter = StudyFilter()) -> int:
    statement = apply_filter(select(func.count(Study.id)), study_filter, _dialect(session))
    return session.scalar(statement) or 0


SORTS = {
    "year": (Study.pub_sort_date.desc(), Study.id.desc()),
    "level": (Study.evidence_level.asc(), Study.pub_sort_date.desc(), Study.id.desc()),
    "n": (Study.sample_size.desc(), Study.id.desc()),
    "pmid": (Study.id.asc(),),
}


def filtered_ids(session: Session, study_filter: StudyFilter, *, sort: str = "year",
                 limit: int | None = None, offset: int = 0) -> list[int]:
    statement = apply_filter(select(Study.id), study_filter, _dialect(session))
    statement = statement.order_by(*SORTS[sort]).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def _children(session: Session, ids: Sequence[int]) -> dict[str, dict[int, list[Any]]]:
    found: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for study_id, name in session.execute(
            select(AuthorRow.study_id, AuthorRow).where(AuthorRow.study_id.in_(ids))
            .order_by(AuthorRow.study_id, AuthorRow.position)):
        found["authors"][study_id].append(name.display_name)
    for model, column, key in (
        (PublicationTypeRow, PublicationTypeRow.name, "publication_types"),
        (MeshHeadingRow, MeshHeadingRow.descriptor, "mesh_terms"),
        (KeywordRow, KeywordRow.keyword, "keywords"),
    ):
        for study_id, value in session.execute(
                select(model.study_id, column).where(model.study_id.in_(ids))
                .order_by(model.study_id, model.position)):
            found[key][study_id].append(value)
    for study_id, registry_id in session.execute(
            select(TrialIdRow.study_id, TrialIdRow.registry_id)
            .where(TrialIdRow.study_id.in_(ids)).order_by(TrialIdRow.registry_id)):
        found["trial_ids"][study_id].append(registry_id)
    for tag in session.scalars(select(TagRow).where(TagRow.study_id.in_(ids))
                               .order_by(TagRow.study_id, TagRow.id)):
        found["tags"][tag.study_id].append(tag)
    return found


_LIST_KIND_KEYS = {"condition": "conditions", "intervention": "interventions",
                   "device": "devices", "outcome": "outcomes"}


def _record(study: Study, children: dict[str, dict[int, list[Any]]]) -> dict[str, Any]:
    tags: list[TagRow] = children["tags"].get(study.id, [])
    coded: dict[str, list[str]] = {key: [] for key in _LIST_KIND_KEYS.values()}
    evidence: dict[str, str] = {}
    for tag in tags:
        key = _LIST_KIND_KEYS.get(tag.kind)
        label = f"{tag.kind}:{tag.code}" if key else tag.kind
        if key and tag.code not in coded[key]:
            coded[key].append(tag.code)
        evidence.setdefault(label, tag.sentence)
    depth = (None if study.needle_depth_min_mm is None
             else [study.needle_depth_min_mm, study.needle_depth_max_mm])
    return {
        "pmid": study.pmid,
        "doi": study.doi,
        "pmcid": study.pmcid,
        "title": study.title,
        "abstract": study.abstract or "",
        "journal": study.journal,
        "journal_abbrev": study.journal_abbrev,
        "volume": study.volume,
        "issue": study.issue,
        "pages": study.pages,
        "year": study.year,
        "pub_date": study.pub_date,
        "authors": children["authors"].get(study.id, []),
        "language": list(study.languages or []),
        "publication_types": children["publication_types"].get(study.id, []),
        "mesh_terms": children["mesh_terms"].get(study.id, []),
        "keywords": children["keywords"].get(study.id, []),
        "trial_ids": children["trial_ids"].get(study.id, []),
        "retracted": bool(study.retracted),
        "relevant": bool(study.relevant),
        "design": study.design,
        "evidence_level": study.evidence_level,
        **coded,
        "sample_size": study.sample_size,
        "sessions": study.sessions,
        "needle_depth_mm": depth,
        "follow_up_weeks": study.follow_up_weeks,
        "evidence": evidence,
        "tagger_version": study.tagger_version,
    }


def records_for_ids(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Export records (CONTRACT.md) for ``ids``, in that order."""
    if not ids:
        return []
    studies = {study.id: study
               for study in session.scalars(select(Study).where(Study.id.in_(ids)))}
    children = _children(session, ids)
    return [_record(studies[study_id], children) for study_id in ids if study_id in studies]


def iter_records(session: Session, study_filter: StudyFilter = StudyFilter(), *,
                 sort: str = "year", limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Export records of the filtered studies, streamed a chunk at a time."""
    ids = filtered_ids(session, study_filter, sort=sort, limit=limit)
    for start in range(0, len(ids), RECORD_CHUNK):
        yield from records_for_ids(session, ids[start:start + RECORD_CHUNK])
        session.expunge_all()


def records_by_pmid(session: Session, pmids: Sequence[str]) -> dict[str, dict[str, Any]]:
    ids = list(session.scalars(select(Study.id).where(Study.pmid.in_(list(pmids)))))
    return {record["pmid"]: record for record in records_for_ids(session, ids)}


def study_tags(session: Session, pmid: str) -> list[TagRow]:
    """The tags of one study with their sentences and spans, for highlighting."""
    return list(session.scalars(
        select(TagRow).join(Study, Study.id == TagRow.study_id).where(Study.pmid == pmid)
        .order_by(TagRow.source, TagRow.start)))


@dataclass
class DatabaseStats:
    studies: int
    relevant: int
    retracted: int
    by_design: dict[str, int]
    by_level: dict[int, int]
    outcomes: dict[str, int]
    interventions: dict[str, int]
    participants: int
    min_year: int | None
    max_year: int | None
    tagger_versions: dict[str, int]
    last_update: dt.datetime | None
    runs: int
    extra: dict[str, Any] = field(default_factory=dict)


def _tag_counts(session: Session, kind: str, study_filter: StudyFilter) -> dict[str, int]:
    statement = (select(TagRow.code, func.count(func.distinct(TagRow.study_id)))
                 .join(Study, Study.id == TagRow.study_id).where(TagRow.kind == kind)
                 .group_by(TagRow.code).order_by(func.count(func.distinct(TagRow.study_id))
                                                 .desc(), TagRow.code))
    statement = apply_filter(statement, study_filter, _dialect(session))
    return {code: count for code, count in session.execute(statement)}


def database_stats(session: Session, study_filter: StudyFilter = StudyFilter()) -> DatabaseStats:
    dialect = _dialect(session)
    totals = session.execute(apply_filter(select(
        func.count(Study.id),
        func.count(Study.id).filter(Study.relevant.is_(True)),
        func.count(Study.id).filter(Study.retracted.is_(True)),
        func.coalesce(func.sum(Study.sample_size), 0),
        func.min(Study.year), func.max(Study.year),
    ), study_filter, dialect)).one()
    by_design = dict(session.execute(apply_filter(
        select(Study.design, func.count()).group_by(Study.design).order_by(func.count().desc()),
        study_filter, dialect)).all())
    by_level = dict(session.execute(apply_filter(
        select(Study.evidence_level, func.count()).group_by(Study.evidence_level)
        .order_by(Study.evidence_level), study_filter, dialect)).all())
    versions = dict(session.execute(apply_filter(
        select(Study.tagger_version, func.count()).group_by(Study.tagger_version),
        study_filter, dialect)).all())
    last_run = session.scalar(select(func.max(IngestRun.finished_at))
                              .where(IngestRun.status == "succeeded"))
    last_write = session.scalar(select(func.max(Study.updated_at)))
    return DatabaseStats(
        studies=totals[0], relevant=totals[1], retracted=totals[2], participants=int(totals[3]),
        min_year=totals[4], max_year=totals[5], by_design=by_design,
        by_level={int(level): count for level, count in by_level.items()},
        outcomes=_tag_counts(session, "outcome", study_filter),
        interventions=_tag_counts(session, "intervention", study_filter),
        tagger_versions={str(version): count for version, count in versions.items()},
        last_update=max((value for value in (last_run, last_write) if value), default=None),
        runs=session.scalar(select(func.count(IngestRun.id))) or 0,
    )


def recent_runs(session: Session, limit: int = 20) -> list[IngestRun]:
    return list(session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)))
