"""Every read of the database lives here: filters, study records, summaries.

The CLI's ``export`` and the dashboard build the same :class:`StudyFilter`,
so they cannot disagree about which studies a filter selects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import count
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, false, func, literal_column, not_, or_, select, text, true
from sqlalchemy.orm import Session, aliased

from evidence.errors import EvidenceError
from evidence.labels import (
    DESIGN_LABELS,
    EVIDENCE_LEVELS,
    INTERVENTION_LABELS,
    OUTCOME_LABELS,
    label,
)
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
from evidence.search import STOP_WORDS, AllOf, Not, Search, SearchTooLong, Term, parse_search

if TYPE_CHECKING:
    import pandas as pd

# Studies read per IN (...) list: bounded memory for any result size, lists well
# within every backend's parameter limit, few round trips.
RECORD_CHUNK = 1000
# StudyFilter attribute -> tag kind, for the filters that must all be present.
TAG_FILTER_KINDS = {"outcomes": "outcome", "interventions": "intervention",
                    "conditions": "condition", "devices": "device"}
# Letters and digits: what FTS5's unicode61 tokenizer keeps in one token (its
# token characters are the Unicode letters and numbers). "\w" would keep "_" too,
# and "hair_density" would reach the index as a two-word phrase, which an index
# without positions (migration 0007) refuses. A "*" right after a word makes it a
# prefix ("microneedl*").
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
    """Studies whose title or abstract answer the search (:mod:`evidence.search`: every
    word, "phrases", OR, NOT or -, word*, parentheses), stemmed as the full-text index
    stems them. A text with no word in it ("(") matches no study rather than being
    dropped, which would show them all. A search past the bounds of
    :mod:`evidence.search` is an :class:`EvidenceError`."""
    try:
        search = parse_search(words)
    except SearchTooLong as exc:
        raise EvidenceError(f"search {words[:40]!r}...: {exc}") from exc
    if search is None:
        return false()
    condition = _search_condition(dialect, search, count(1))
    return true() if condition is None else condition


def _search_condition(dialect: str, search: Search, names: Iterator[int]) -> Any | None:
    """The condition of one node of a search; ``None`` for a part that asks nothing
    (stop words only, "the"), which its AND or OR leaves out, and its NOT with it."""
    if isinstance(search, Term):
        return _term_condition(dialect, search, str(next(names)))
    if isinstance(search, Not):
        inner = _search_condition(dialect, search.part, names)
        return None if inner is None else not_(inner)
    parts = [part for part in (_search_condition(dialect, p, names) for p in search.parts)
             if part is not None]
    if not parts:
        return None
    return (and_ if isinstance(search, AllOf) else or_)(*parts)


_PHRASE_GAP = "[^a-z0-9]{1,3}"


def _term_condition(dialect: str, term: Term, name: str) -> Any | None:
    """A study with every word of ``term`` (stemmed, through the full-text index) and,
    for a phrase, the words together as written in its title or abstract (the indexes
    keep no word positions, migration 0007, so the phrase is read in the text).
    ``None`` for stop words only, which ask nothing of either index."""
    # What the index is asked for: PostgreSQL's own English configuration drops stop words;
    # elsewhere they are left out here, the same words ("the", "in"), so both agree.
    indexed = [word for position, word in enumerate(term.words)
               if word.lower() not in STOP_WORDS
               or (term.prefix and position == len(term.words) - 1)]
    if not indexed:  # stop words only ("the", "-in", "of the"): a term that asks nothing
        return None
    if dialect == "sqlite":
        # Each word quoted: user text can never be read as FTS5 query syntax.
        match = " AND ".join(f'"{word}"' for word in indexed) + ("*" if term.prefix else "")
        found = Study.id.in_(select(text("rowid")).select_from(text("studies_fts"))
                             .where(text(f"studies_fts MATCH :fts_{name}"))
                             .params(**{f"fts_{name}": match}))
        unsearchable = None
    elif dialect == "postgresql":
        # Words are letters and digits only, so they cannot be read as tsquery operators.
        # A one-word prefix is also taken as it is ('simple'): the English configuration
        # drops stop words, and "out*" would then vanish from the query instead of
        # finding "outcome"; stemmed, "microneedling*" finds "microneedl..." as SQLite.
        query = " & ".join(term.words) + (":*" if term.prefix else "")
        tsquery = func.to_tsquery("english", query)
        if term.prefix and len(term.words) == 1:
            tsquery = tsquery.op("||")(func.to_tsquery("simple", query))
        found = literal_column("studies.search_vector").op("@@")(tsquery)
        # Stop words only ("in", "the"): no lexeme to look for, and an empty tsquery
        # matches nothing. Such a term asks nothing, as "the" does of SQLite's index.
        unsearchable = func.numnode(tsquery) == 0
    else:
        found = and_(*(or_(Study.title.ilike(f"%{word}%"), Study.abstract.ilike(f"%{word}%"))
                       for word in indexed))
        unsearchable = None
    if term.phrase:
        # The words in order with one to three other characters between them: "hair
        # count" finds "hair-count" and "hair counts", "5% minoxidil" finds "5 % minoxidil".
        # Words are letters and digits, so nothing from the user is read as regex syntax;
        # "(?i)" and the class are read alike by Python's re (SQLAlchemy's REGEXP for
        # SQLite) and PostgreSQL's ARE.
        phrase = "(?i)" + _PHRASE_GAP.join(term.words)
        found = and_(found, or_(Study.title.regexp_match(phrase),
                                Study.abstract.regexp_match(phrase)))
    return found if unsearchable is None else or_(unsearchable, found)


def apply_filter(statement: Select[Any], study_filter: StudyFilter, dialect: str) -> Select[Any]:
    """Add the WHERE clauses of ``study_filter`` to a statement over ``studies``."""
    f = study_filter
    conditions: list[Any] = []
    if f.designs:
        conditions.append(Study.design.in_(f.designs))
    for attribute, kind in TAG_FILTER_KINDS.items():
        for code in getattr(f, attribute):
            # IN over the tags of one code, not a correlated EXISTS: the database
            # starts from the (kind, code) index instead of probing every study
            # (10 ms against 79 ms at 100,000 studies on SQLite).
            conditions.append(Study.id.in_(
                select(TagRow.study_id).where(TagRow.kind == kind, TagRow.code == code)))
    if f.min_year is not None:
        conditions.append(Study.year >= f.min_year)
    if f.max_year is not None:
        conditions.append(Study.year <= f.max_year)
    if f.min_n:  # 0 bounds nothing, in the dashboard and on the command line alike
        conditions.append(Study.sample_size >= f.min_n)
    if f.min_level is not None:
        conditions.append(Study.evidence_level >= f.min_level)
    if f.max_level is not None:
        conditions.append(Study.evidence_level <= f.max_level)
    if f.relevant_only:
        conditions.append(Study.relevant.is_(True))
    if f.exclude_retracted:
        conditions.append(Study.retracted.is_(False))
    if f.text and f.text.strip():  # blank text is no search; "(" is a search for nothing
        conditions.append(_text_condition(dialect, f.text))
    return statement.where(*conditions) if conditions else statement


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def count_studies(session: Session, study_filter: StudyFilter = StudyFilter()) -> int:
    statement = apply_filter(select(func.count(Study.id)), study_filter, _dialect(session))
    return session.scalar(statement) or 0


def study_matches(session: Session, study_filter: StudyFilter, pmid: str) -> bool:
    """Whether the study ``pmid`` is one of those ``study_filter`` selects (a link may open
    one it does not)."""
    statement = apply_filter(select(Study.id).where(Study.pmid == pmid), study_filter,
                             _dialect(session))
    return session.scalar(statement.limit(1)) is not None


def count_undated_left_out(session: Session, study_filter: StudyFilter) -> int:
    """Studies a year bound of ``study_filter`` leaves out only because they have no
    publication year (the rest of the filter holds them): a year range says nothing of
    them, so the pages say they are not shown."""
    if study_filter.min_year is None and study_filter.max_year is None:
        return 0
    unbounded = replace(study_filter, min_year=None, max_year=None)
    statement = apply_filter(select(func.count(Study.id)), unbounded, _dialect(session))
    return session.scalar(statement.where(Study.year.is_(None))) or 0


# Studies without a year or a sample size come last on both databases (PostgreSQL
# would put NULL first in a descending order, SQLite last).
SORTS = {
    "year": (Study.pub_sort_date.desc().nulls_last(), Study.id.desc()),
    "level": (Study.evidence_level.asc(), Study.pub_sort_date.desc().nulls_last(),
              Study.id.desc()),
    "n": (Study.sample_size.desc().nulls_last(), Study.id.desc()),
    # PMIDs are ASCII digits without leading zeros (ingest.pubmed_xml.require_pmid): numeric
    # order is (length, text).
    "pmid": (func.length(Study.pmid).asc(), Study.pmid.asc()),
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
        # Not in CONTRACT.md's record (JSONL, CSV and XLSX leave it out): citations
        # and the CSL-JSON export use it.
        "vernacular_title": study.vernacular_title,
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


def filtered_study_ids(study_filter: StudyFilter, dialect: str) -> Select[Any]:
    """The ids of the filtered studies, as a subquery for ``IN``.

    On SQLite in id order: it then reads them from ``ix_studies_by_id`` and
    builds its set for ``IN`` by appending, 105 ms against 300 ms when the
    filter keeps all 300,000 studies ("exclude retracted").
    """
    statement = apply_filter(select(Study.id), study_filter, dialect)
    return statement.order_by(Study.id) if dialect == "sqlite" else statement


def _tag_counts(session: Session, kind: str, study_filter: StudyFilter) -> dict[str, int]:
    """Studies per code of ``kind``, among the filtered studies.

    Written as "tags whose study is in the filtered set" rather than a join
    from studies: the database then reads the tags of one kind from its
    (kind, code) index and checks membership, 44 ms against 209 ms for one
    intervention filter at 100,000 studies on SQLite.
    """
    studies = func.count(func.distinct(TagRow.study_id))
    statement = select(TagRow.code, studies).where(TagRow.kind == kind)
    if not study_filter.is_empty():
        # "+ 0" keeps the filtered ids a set to test each tag against: given the
        # bare column and no statistics, SQLite instead seeks the tags of every
        # filtered study, one seek each (425 ms for "exclude retracted" at 300,000).
        statement = statement.where(
            (TagRow.study_id + 0).in_(filtered_study_ids(study_filter, _dialect(session))))
    statement = statement.group_by(TagRow.code).order_by(studies.desc(), TagRow.code)
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
    return DatabaseStats(
        studies=totals[0], relevant=totals[1], retracted=totals[2], participants=int(totals[3]),
        min_year=totals[4], max_year=totals[5], by_design=by_design,
        by_level={int(level): count for level, count in by_level.items()},
        outcomes=_tag_counts(session, "outcome", study_filter),
        interventions=_tag_counts(session, "intervention", study_filter),
        tagger_versions={str(version): count for version, count in versions.items()},
        last_update=last_update(session),
        runs=session.scalar(select(func.count(IngestRun.id))) or 0,
    )


def recent_runs(session: Session, limit: int = 20) -> list[IngestRun]:
    return list(session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)))


# --------------------------------------------------------------------------- dashboard
# Summaries the dashboard draws. Each takes a session and the same StudyFilter
# as the exports, so a chart and a download of "the same filters" agree. pandas is
# imported inside the functions that build DataFrames: the CLI never needs it.

#: Designs the headline counts as meta-analyses: systematic reviews sit at
#: the same evidence level (TAGS.md), and a practitioner looks for both first.
META_ANALYSIS_DESIGNS = ("meta_analysis", "systematic_review")
#: Table sorts offered by :func:`study_table` (the keys of :data:`SORTS`).
TABLE_SORTS = tuple(SORTS)


@dataclass(frozen=True)
class Headline:
    """The Overview's headline figures for one filter."""

    studies: int
    rcts: int
    meta_analyses: int
    participants: int
    min_year: int | None
    max_year: int | None
    last_update: dt.datetime | None
    retracted: int = 0  # of ``studies``; counted in every figure unless the filter leaves them out


def last_update(session: Session) -> dt.datetime | None:
    """When the data last changed: the later of the last successful run and the last write."""
    last_run = session.scalar(select(func.max(IngestRun.finished_at))
                              .where(IngestRun.status == "succeeded"))
    last_write = session.scalar(select(func.max(Study.updated_at)))
    return max((value for value in (last_run, last_write) if value), default=None)


def data_version(session: Session) -> str:
    """A short string that changes whenever stored data changes, for cache keys.

    Counting studies and taking the latest write catches inserts, updates and
    deletions (a delete lowers the count); the latest run id and its finish
    time catch a run that changed nothing but still belongs on the Data page.
    All four come from indexed columns or primary keys, so this is cheap
    enough to run on every page render.
    """
    count, latest = session.execute(select(func.count(Study.id), func.max(Study.updated_at))).one()
    run_id, finished = session.execute(
        select(func.max(IngestRun.id), func.max(IngestRun.finished_at))).one()
    return f"{count}|{latest}|{run_id}|{finished}"


def headline(session: Session, study_filter: StudyFilter = StudyFilter()) -> Headline:
    """Studies, RCTs, meta-analyses (incl. systematic reviews), participants, years."""
    row = session.execute(apply_filter(select(
        func.count(Study.id),
        func.count(Study.id).filter(Study.design == "rct"),
        func.count(Study.id).filter(Study.design.in_(META_ANALYSIS_DESIGNS)),
        func.coalesce(func.sum(Study.sample_size), 0),
        func.min(Study.year), func.max(Study.year),
        func.count(Study.id).filter(Study.retracted.is_(True)),
    ), study_filter, _dialect(session))).one()
    return Headline(studies=row[0], rcts=row[1], meta_analyses=row[2], participants=int(row[3]),
                    min_year=row[4], max_year=row[5], last_update=last_update(session),
                    retracted=row[6])


def studies_per_year(session: Session, study_filter: StudyFilter = StudyFilter()
                ) -> pd.DataFrame:
    """DataFrame ``year, design, design_label, studies``: studies per year by design.

    Studies without a year are left out (they cannot be placed on the axis).
    """
    import pandas as pd

    # No "year IS NOT NULL" in SQL: SQLite would walk the year index and look
    # every row up; one pass over the table is several times faster.
    statement = apply_filter(
        select(Study.year, Study.design, func.count(Study.id))
        .group_by(Study.year, Study.design).order_by(Study.year, Study.design),
        study_filter, _dialect(session))
    rows = [(int(year), design, label(design), count)
            for year, design, count in session.execute(statement) if year is not None]
    return pd.DataFrame(rows, columns=["year", "design", "design_label", "studies"])


def pyramid_counts(session: Session, study_filter: StudyFilter = StudyFilter()
                ) -> pd.DataFrame:
    """DataFrame ``level, designs, studies`` for evidence levels 1 (top) to 5.

    Every level is present, with 0 studies when none match, so the pyramid
    keeps its shape; ``designs`` names the designs of that level (TAGS.md).
    """
    import pandas as pd

    counts = dict(session.execute(apply_filter(
        select(Study.evidence_level, func.count(Study.id)).group_by(Study.evidence_level),
        study_filter, _dialect(session))).all())
    rows = []
    for level in range(1, 6):
        designs = ", ".join(label(code) for code, lvl in EVIDENCE_LEVELS.items() if lvl == level)
        rows.append((level, designs, int(counts.get(level, 0))))
    return pd.DataFrame(rows, columns=["level", "designs", "studies"])


def outcome_frequency(session: Session, study_filter: StudyFilter = StudyFilter()
                ) -> pd.DataFrame:
    """DataFrame ``outcome, outcome_label, studies``: how many studies measured each outcome."""
    import pandas as pd

    counts = _tag_counts(session, "outcome", study_filter)
    rows = [(code, label(code), count) for code, count in counts.items()]
    return pd.DataFrame(rows, columns=["outcome", "outcome_label", "studies"])


def evidence_map(session: Session, study_filter: StudyFilter = StudyFilter()
                ) -> pd.DataFrame:
    """DataFrame ``intervention, outcome, *_label, studies, best_level, retracted``.

    One row per intervention x outcome pair that at least one filtered study
    has both of; ``best_level`` is the lowest (strongest) evidence level
    among those studies and ``retracted`` how many of them are retracted (the
    filter decides whether they count; the map says when they do). Pairs with
    no study are absent, and so are outcome codes outside TAGS.md (the tagger
    rejects them anyway).
    """
    import pandas as pd

    arm = aliased(TagRow)
    outcome = aliased(TagRow)
    statement = (
        select(arm.code, outcome.code, func.count(func.distinct(Study.id)),
               func.min(Study.evidence_level),
               func.count(func.distinct(Study.id)).filter(Study.retracted.is_(True)))
        .select_from(Study)
        .join(arm, and_(arm.study_id == Study.id, arm.kind == "intervention"))
        # The outcome tags of a study are one range of ix_tags_study_kind_code
        # (study_id, kind): one seek each. Naming the codes here would make it
        # one seek per code (200 ms against 97 ms at 300,000 studies), and
        # unknown codes are dropped below anyway. With statistics
        # (Database.refresh_statistics) SQLite also pairs the tags first and
        # reads the wide studies rows only for the pairs: 32 ms.
        .join(outcome, and_(outcome.study_id == Study.id, outcome.kind == "outcome"))
        .group_by(arm.code, outcome.code).order_by(arm.code, outcome.code))
    statement = apply_filter(statement, study_filter, _dialect(session))
    rows = [(arm_code, label(arm_code), outcome_code, label(outcome_code), count, int(best),
             int(retracted))
            for arm_code, outcome_code, count, best, retracted in session.execute(statement)
            if outcome_code in OUTCOME_LABELS]
    return pd.DataFrame(rows, columns=["intervention", "intervention_label", "outcome",
                                       "outcome_label", "studies", "best_level", "retracted"])


def evidence_map_table(session: Session, study_filter: StudyFilter = StudyFilter()
                       ) -> pd.DataFrame:
    """The evidence map as a wide table to take away: interventions x outcomes.

    Cells read ``"5 (level 2)"``: the number of studies and their best level, and
    ``"5 (level 2; 1 retracted)"`` when retracted studies are among them; empty when
    no study has that pair. Rows and columns follow TAGS.md order.
    """
    import pandas as pd

    cells = evidence_map(session, study_filter)
    table = pd.DataFrame("", index=list(INTERVENTION_LABELS.values()),
                         columns=list(OUTCOME_LABELS.values()))
    for row in cells.itertuples(index=False):
        retracted = f"; {row.retracted} retracted" if row.retracted else ""
        table.loc[row.intervention_label, row.outcome_label] = (
            f"{row.studies} (level {row.best_level}{retracted})")
    table.index.name = "intervention"
    return table.loc[(table != "").any(axis=1)]


def summary_by_design(session: Session, study_filter: StudyFilter = StudyFilter()
                ) -> pd.DataFrame:
    """DataFrame, one row per design in TAGS.md order (strongest first), designs
    with no study left out: level, studies, studies with a sample size,
    participants, first and last year, retracted."""
    import pandas as pd

    statement = apply_filter(select(
        Study.design, func.count(Study.id), func.count(Study.sample_size),
        func.coalesce(func.sum(Study.sample_size), 0), func.min(Study.year), func.max(Study.year),
        func.count(Study.id).filter(Study.retracted.is_(True)),
    ).group_by(Study.design), study_filter, _dialect(session))
    found = {row[0]: row[1:] for row in session.execute(statement)}
    order = [*DESIGN_LABELS, *sorted(set(found) - set(DESIGN_LABELS))]
    rows = []
    for design in order:
        if design not in found:
            continue
        studies, with_n, participants, first, last, retracted = found[design]
        rows.append((DESIGN_LABELS.get(design, design), EVIDENCE_LEVELS.get(design), studies,
                     with_n, int(participants), first, last, retracted))
    return pd.DataFrame(rows, columns=["design", "evidence_level", "studies",
                                       "with_sample_size", "participants", "first_year",
                                       "last_year", "retracted"])


#: Columns of :func:`study_table`, in display order.
STUDY_TABLE_COLUMNS = ("pmid", "year", "title", "design", "evidence_level", "sample_size",
                       "outcomes", "interventions", "needle_depth", "sessions",
                       "follow_up_weeks", "relevant", "retracted")


def study_table(session: Session, study_filter: StudyFilter = StudyFilter(), *,
                sort: str = "year", limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """DataFrame of the filtered studies, one row each, sorted by ``sort`` (see :data:`SORTS`).

    ``design`` and the outcome/intervention lists are human labels (lists
    joined with ``"; "``), ready to show; ``pmid`` identifies the row.
    ``limit`` bounds what a page has to send to the browser and ``offset``
    skips the rows of earlier pages; the database does the sorting, so each
    page holds the right rows.
    """
    import pandas as pd

    ids = filtered_ids(session, study_filter, sort=sort, limit=limit, offset=offset)
    studies: dict[int, tuple[Any, ...]] = {}
    codes: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"outcome": [],
                                                                  "intervention": []})
    for start in range(0, len(ids), RECORD_CHUNK):
        chunk = ids[start:start + RECORD_CHUNK]
        for row in session.execute(
                select(Study.id, Study.pmid, Study.year, Study.title, Study.design,
                       Study.evidence_level, Study.sample_size, Study.needle_depth_min_mm,
                       Study.needle_depth_max_mm, Study.sessions, Study.follow_up_weeks,
                       Study.relevant, Study.retracted)
                .where(Study.id.in_(chunk))):
            studies[row[0]] = tuple(row[1:])
        for study_id, kind, code in session.execute(
                select(TagRow.study_id, TagRow.kind, TagRow.code)
                .where(TagRow.study_id.in_(chunk),
                       TagRow.kind.in_(("outcome", "intervention")))
                .order_by(TagRow.study_id, TagRow.id)):
            held = codes[study_id][kind]
            if code not in held:
                held.append(code)
    rows = []
    for study_id in ids:
        (pmid, year, title, design, level, sample_size, depth_low, depth_high, sessions,
         weeks, relevant, retracted) = studies[study_id]
        tagged = codes.get(study_id, {"outcome": [], "intervention": []})
        rows.append((pmid, year, title, label(design), level, sample_size,
                     "; ".join(label(code) for code in tagged["outcome"]),
                     "; ".join(label(code) for code in tagged["intervention"]),
                     depth_text(depth_low, depth_high), sessions,
                     round(weeks) if weeks is not None else None,
                     bool(relevant), bool(retracted)))
    frame = pd.DataFrame(rows, columns=list(STUDY_TABLE_COLUMNS))
    return frame.astype({"year": "Int64", "sample_size": "Int64", "evidence_level": "Int64",
                         "sessions": "Int64", "follow_up_weeks": "Int64"})


def depth_text(low: float | None, high: float | None) -> str | None:
    """A needle depth as a reader writes it: "1.5 mm", "0.5–1.5 mm"."""
    if low is None or high is None:
        return None
    return f"{low:g} mm" if low == high else f"{low:g}–{high:g} mm"


def year_bounds(session: Session) -> tuple[int | None, int | None]:
    """The earliest and latest publication year stored, for the year-range widget."""
    first, last = session.execute(select(func.min(Study.year), func.max(Study.year))).one()
    return first, last


def stored_tagger_versions(session: Session) -> dict[str, int]:
    """Studies per tagger version, so a page can say which tagger labelled the data."""
    return {str(version): count for version, count in session.execute(
        select(Study.tagger_version, func.count(Study.id)).group_by(Study.tagger_version)
        .order_by(func.count(Study.id).desc()))}
