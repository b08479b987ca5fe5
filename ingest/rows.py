"""Records to row tuples: what the loader writes, built wherever a record is parsed.

An import has one serial stage, the writer; everything else runs on every
core. So the rows a study becomes are built next to the parser (in a worker
process for a large file) as plain tuples in each table's column order: JSON
columns already encoded, dates as ISO text, booleans as bools. They pickle
cheaply, and the writer hands them to the database driver as they are
(``executemany``, or ``COPY`` on PostgreSQL) with no per-value work of its own.

The column lists below are the contract with :mod:`evidence.models`; a test
checks that each names real columns of its table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from evidence.records import Article
from evidence.tagging.result import Tagging
from ingest.pubmed_xml import sort_date

# ``studies`` columns that come from the record itself, in row order.
STUDY_RECORD_COLUMNS = (
    "pmid", "doi", "pmcid", "title", "abstract", "journal", "journal_abbrev", "volume",
    "issue", "pages", "year", "pub_date", "pub_sort_date", "languages",
    "publication_status", "date_revised", "retracted", "source", "content_hash",
    "vernacular_title",
)
# ``studies`` columns that come from the tagger (denormalised for filters).
STUDY_TAGGING_COLUMNS = (
    "relevant", "design", "evidence_level", "sample_size", "sessions",
    "needle_depth_min_mm", "needle_depth_max_mm", "follow_up_weeks", "tagger_version",
    "tag_count",
)
STUDY_TIME_COLUMNS = ("first_seen_at", "updated_at")
STUDY_COLUMNS = STUDY_RECORD_COLUMNS + STUDY_TAGGING_COLUMNS + STUDY_TIME_COLUMNS

# Each child table's columns after ``study_id``, which the writer puts first.
RECORD_CHILD_COLUMNS: dict[str, tuple[str, ...]] = {
    "abstract_sections": ("position", "label", "category", "text"),
    "authors": ("position", "last_name", "fore_name", "initials", "collective_name",
                "affiliations", "suffix"),
    "publication_types": ("position", "name"),
    "mesh_headings": ("position", "descriptor", "descriptor_ui", "major_topic", "qualifiers",
                      "major_qualifiers"),
    "keywords": ("position", "keyword"),
    "trial_ids": ("registry_id", "found_in"),
}
TAG_COLUMNS = ("kind", "code", "sentence", "source", "start", "end", "rule", "tagger_version")

Row = tuple[Any, ...]


class StudyRows(NamedTuple):
    """One record as the rows it becomes.

    ``tagging`` and ``tags`` are None until the record is tagged; ``article``
    is kept only then, so the writer can tag what turns out to be new or
    changed and nothing else.
    """

    pmid: str
    date_revised: str | None  # ISO date, compared as text (ISO dates sort as text)
    content_hash: str
    record: Row  # STUDY_RECORD_COLUMNS
    children: tuple[list[Row], ...]  # one list per RECORD_CHILD_COLUMNS table, in order
    tagging: Row | None = None  # STUDY_TAGGING_COLUMNS
    tags: list[Row] | None = None  # TAG_COLUMNS
    article: Article | None = None

    def tagged(self, tagging: Tagging) -> StudyRows:
        return self._replace(tagging=tagging_row(tagging), tags=tag_rows(tagging),
                             article=None)


def content_hash(article: Article) -> str:
    """A fingerprint of everything we store from the record, to skip unchanged ones."""
    return hashlib.blake2b(repr(article).encode("utf-8"), digest_size=16).hexdigest()


def iso_date(iso: str | None) -> str | None:
    """``iso`` as a DATE column stores it, or None if it is not a whole, valid date."""
    if not iso:
        return None
    try:
        return dt.date.fromisoformat(iso).isoformat()
    except ValueError:
        return None


_json_string = json.encoder.encode_basestring_ascii  # json.dumps' own (C) string encoder


def _json(values: Sequence[str]) -> str:
    """``json.dumps(list(values))`` for strings, at a fraction of its cost per call.

    The same text SQLAlchemy's JSON type writes (json.dumps with its defaults:
    ASCII escapes, ", " between items); most lists here are empty or short,
    where json.dumps' own set-up is most of the work.
    """
    if not values:
        return "[]"
    return "[" + ", ".join(map(_json_string, values)) + "]"


def study_rows(article: Article, source: str, tagging: Tagging | None = None) -> StudyRows:
    """The rows of one record, tagged when ``tagging`` is given."""
    digest = content_hash(article)
    date_revised = iso_date(article.date_revised)
    record = (
        article.pmid, article.doi, article.pmcid, article.title, article.abstract_text,
        article.journal, article.journal_abbrev, article.volume, article.issue,
        article.pages, article.year, article.pub_date, iso_date(sort_date(article.pub_date)),
        _json(article.languages), article.publication_status, date_revised,
        article.retracted, source, digest, article.vernacular_title,
    )
    sources = article.trial_id_sources
    children = (
        [(i, s.label, s.category, s.text) for i, s in enumerate(article.abstract)],
        [(i, a.last_name, a.fore_name, a.initials, a.collective_name, _json(a.affiliations),
          a.suffix) for i, a in enumerate(article.authors)],
        list(enumerate(article.publication_types)),
        [(i, m.descriptor, m.descriptor_ui, m.major_topic, _json(m.qualifiers),
          _json(m.major_qualifiers)) for i, m in enumerate(article.mesh)],
        list(enumerate(article.keywords)),
        [(registry_id, sources.get(registry_id, "abstract")) for registry_id in article.trial_ids],
    )
    rows = StudyRows(article.pmid, date_revised, digest, record, children)
    if tagging is None:
        return rows._replace(article=article)
    return rows.tagged(tagging)


def tagging_row(tagging: Tagging) -> Row:
    """The tagger's ``studies`` columns, in STUDY_TAGGING_COLUMNS order."""
    depth = tagging.needle_depth_mm
    return (
        tagging.relevant, tagging.design, tagging.evidence_level, tagging.sample_size,
        tagging.sessions, depth[0] if depth else None, depth[1] if depth else None,
        tagging.follow_up_weeks, tagging.tagger_version, len(tagging.tags),
    )


def tag_rows(tagging: Tagging) -> list[Row]:
    """One ``tags`` row per tag, in TAG_COLUMNS order."""
    version = tagging.tagger_version
    return [(tag.kind, tag.code, tag.sentence, tag.source, tag.start, tag.end, tag.rule, version)
            for tag in tagging.tags]
