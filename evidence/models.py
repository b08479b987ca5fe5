"""The SQL schema, as SQLAlchemy 2 typed ORM classes.

The schema itself is created and changed only by the Alembic migrations in
``evidence/migrations``; these classes must describe the schema at ``head``.
A study's children (authors, MeSH, tags, ...) are replaced as a whole when a
newer revision of the record arrives, so they carry no identity of their own
beyond their position.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine


def _record_text(length: int) -> TypeEngine[str]:
    """Free text from a PubMed record. PostgreSQL enforces a length, and one value longer
    than it (a 70-character page string, a long suffix) refused a whole import there, so
    it is unbounded (migration 0012). SQLite keeps the length the first schema wrote:
    it never enforces it, and the schema stays as migrated."""
    return String(length).with_variant(Text(), "postgresql")


class Base(DeclarativeBase):
    pass


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


_CHILD_FK = {"ondelete": "CASCADE"}
_ONE_RUNNING_INGEST = "kind = 'ingest' AND status = 'running'"


# Every study column the dashboard filters or sorts on.
_FILTER_AND_SORT_COLUMNS = ("design", "year", "evidence_level", "sample_size", "relevant",
                            "retracted", "pub_sort_date", "pmid")


class Study(Base):
    __tablename__ = "studies"
    # Covering indexes for every filter and sort over study columns (migrations
    # 0006 and 0008): no plan has to read the wide rows to find studies.
    __table_args__ = (
        Index("ix_studies_overview", *_FILTER_AND_SORT_COLUMNS),
        Index("ix_studies_by_id", "id", *_FILTER_AND_SORT_COLUMNS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pmid: Mapped[str] = mapped_column(String(16), unique=True)
    doi: Mapped[str | None] = mapped_column(_record_text(255))
    pmcid: Mapped[str | None] = mapped_column(_record_text(32))
    title: Mapped[str] = mapped_column(Text)
    # PubMed's VernacularTitle: the original-language title (migration 0014).
    vernacular_title: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    journal: Mapped[str | None] = mapped_column(Text)
    journal_abbrev: Mapped[str | None] = mapped_column(_record_text(255))
    volume: Mapped[str | None] = mapped_column(_record_text(64))
    issue: Mapped[str | None] = mapped_column(_record_text(64))
    pages: Mapped[str | None] = mapped_column(_record_text(64))
    year: Mapped[int | None] = mapped_column(Integer)
    pub_date: Mapped[str | None] = mapped_column(String(10))
    # First day of the publication period, so "2015 Winter" sorts with 2015.
    pub_sort_date: Mapped[dt.date | None] = mapped_column(Date)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    publication_status: Mapped[str | None] = mapped_column(String(32))
    date_revised: Mapped[dt.date | None] = mapped_column(Date)
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)

    # The tagger's single-valued labels, denormalised for filtering and sorting.
    relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    design: Mapped[str] = mapped_column(String(32), default="other")
    evidence_level: Mapped[int] = mapped_column(Integer, default=5)
    sample_size: Mapped[int | None] = mapped_column(Integer)
    sessions: Mapped[int | None] = mapped_column(Integer)
    needle_depth_min_mm: Mapped[float | None] = mapped_column(Float)
    needle_depth_max_mm: Mapped[float | None] = mapped_column(Float)
    follow_up_weeks: Mapped[float | None] = mapped_column(Float)
    tagger_version: Mapped[str | None] = mapped_column(String(32), index=True)
    # How many tags rows the tagger wrote for the study: `evidence check` counts them
    # again, so rows lost or added by hand or by a fault are found (migration 0015).
    tag_count: Mapped[int | None] = mapped_column(Integer)

    abstract_sections: Mapped[list[AbstractSectionRow]] = relationship(
        order_by="AbstractSectionRow.position", cascade="all, delete-orphan",
        passive_deletes=True)
    authors: Mapped[list[AuthorRow]] = relationship(
        order_by="AuthorRow.position", cascade="all, delete-orphan", passive_deletes=True)
    publication_types: Mapped[list[PublicationTypeRow]] = relationship(
        order_by="PublicationTypeRow.position", cascade="all, delete-orphan",
        passive_deletes=True)
    mesh_headings: Mapped[list[MeshHeadingRow]] = relationship(
        order_by="MeshHeadingRow.position", cascade="all, delete-orphan", passive_deletes=True)
    keywords: Mapped[list[KeywordRow]] = relationship(
        order_by="KeywordRow.position", cascade="all, delete-orphan", passive_deletes=True)
    trial_ids: Mapped[list[TrialIdRow]] = relationship(
        order_by="TrialIdRow.registry_id", cascade="all, delete-orphan", passive_deletes=True)
    tags: Mapped[list[TagRow]] = relationship(
        order_by="TagRow.id", cascade="all, delete-orphan", passive_deletes=True)


class AbstractSectionRow(Base):
    __tablename__ = "abstract_sections"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str | None] = mapped_column(_record_text(255))
    category: Mapped[str | None] = mapped_column(_record_text(32))
    text: Mapped[str] = mapped_column(Text)


class AuthorRow(Base):
    __tablename__ = "authors"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_name: Mapped[str | None] = mapped_column(_record_text(255))
    fore_name: Mapped[str | None] = mapped_column(_record_text(255))
    initials: Mapped[str | None] = mapped_column(_record_text(32))
    collective_name: Mapped[str | None] = mapped_column(Text)
    affiliations: Mapped[list[str]] = mapped_column(JSON, default=list)
    suffix: Mapped[str | None] = mapped_column(Text)

    @property
    def display_name(self) -> str:
        if self.collective_name:
            return self.collective_name
        return " ".join(part for part in (self.last_name, self.initials, self.suffix) if part)


class PublicationTypeRow(Base):
    __tablename__ = "publication_types"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(_record_text(255))


class MeshHeadingRow(Base):
    __tablename__ = "mesh_headings"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    descriptor: Mapped[str] = mapped_column(_record_text(255))
    descriptor_ui: Mapped[str | None] = mapped_column(_record_text(16))
    major_topic: Mapped[bool] = mapped_column(Boolean, default=False)
    qualifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    major_qualifiers: Mapped[list[str]] = mapped_column(JSON, default=list)


class KeywordRow(Base):
    __tablename__ = "keywords"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    keyword: Mapped[str] = mapped_column(Text)


class TrialIdRow(Base):
    __tablename__ = "trial_ids"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK), primary_key=True)
    registry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    found_in: Mapped[str] = mapped_column(String(16))  # "databank" or "abstract"


class TagRow(Base):
    """One label of TAGS.md on one study, with the text that produced it."""

    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_kind_code_study", "kind", "code", "study_id"),
                      Index("ix_tags_study_kind_code", "study_id", "kind", "code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", **_CHILD_FK))
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    sentence: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(128))
    tagger_version: Mapped[str] = mapped_column(String(32))


class IngestRun(Base):
    """One `evidence ingest` or `evidence import`: what ran, when, and what it did."""

    __tablename__ = "ingest_runs"
    # One ingest running at a time, enforced where no race can pass (migration 0013).
    __table_args__ = (Index("ux_ingest_runs_one_running_ingest", "kind", unique=True,
                            sqlite_where=sql_text(_ONE_RUNNING_INGEST),
                            postgresql_where=sql_text(_ONE_RUNNING_INGEST)),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "ingest" | "import"
    query: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    found: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    # Resumption state of a live ingest (search windows done, and so on).
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PendingPmid(Base):
    """A PMID an ingest run has found but not yet stored: the resumption queue."""

    __tablename__ = "pending_pmids"
    __table_args__ = (Index("ix_pending_pmids_pmid", "pmid"),)

    run_id: Mapped[int] = mapped_column(
        ForeignKey("ingest_runs.id", ondelete="CASCADE"), primary_key=True)
    pmid: Mapped[str] = mapped_column(String(16), primary_key=True)


#: Every table that hangs off a study, replaced as a whole when the study changes.
STUDY_CHILDREN = (AbstractSectionRow, AuthorRow, PublicationTypeRow, MeshHeadingRow, KeywordRow,
                  TrialIdRow, TagRow)
