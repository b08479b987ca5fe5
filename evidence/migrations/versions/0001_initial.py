"""Initial schema: studies, their children, tags, ingest runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _child(name: str, *columns: sa.Column, position: bool = True) -> None:
    cols = [sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.id", ondelete="CASCADE"),
                      primary_key=True)]
    if position:
        cols.append(sa.Column("position", sa.Integer, primary_key=True))
    op.create_table(name, *cols, *columns)


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pmid", sa.String(16), nullable=False, unique=True),
        sa.Column("doi", sa.String(255), index=True),
        sa.Column("pmcid", sa.String(32)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("journal", sa.Text),
        sa.Column("journal_abbrev", sa.String(255)),
        sa.Column("volume", sa.String(64)),
        sa.Column("issue", sa.String(64)),
        sa.Column("pages", sa.String(64)),
        sa.Column("year", sa.Integer, index=True),
        sa.Column("pub_date", sa.String(10)),
        sa.Column("pub_sort_date", sa.Date, index=True),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("publication_status", sa.String(32)),
        sa.Column("date_revised", sa.Date),
        sa.Column("retracted", sa.Boolean, nullable=False, index=True),
        sa.Column("source", sa.Text),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
        sa.Column("relevant", sa.Boolean, nullable=False, index=True),
        sa.Column("design", sa.String(32), nullable=False, index=True),
        sa.Column("evidence_level", sa.Integer, nullable=False, index=True),
        sa.Column("sample_size", sa.Integer, index=True),
        sa.Column("sessions", sa.Integer),
        sa.Column("needle_depth_min_mm", sa.Float),
        sa.Column("needle_depth_max_mm", sa.Float),
        sa.Column("follow_up_weeks", sa.Float),
        sa.Column("tagger_version", sa.String(32), index=True),
    )
    _child("abstract_sections",
           sa.Column("label", sa.String(255)), sa.Column("category", sa.String(32)),
           sa.Column("text", sa.Text, nullable=False))
    _child("authors",
           sa.Column("last_name", sa.String(255)), sa.Column("fore_name", sa.String(255)),
           sa.Column("initials", sa.String(32)), sa.Column("collective_name", sa.Text),
           sa.Column("affiliations", sa.JSON, nullable=False))
    _child("publication_types", sa.Column("name", sa.String(255), nullable=False, index=True))
    _child("mesh_headings",
           sa.Column("descriptor", sa.String(255), nullable=False, index=True),
           sa.Column("descriptor_ui", sa.String(16)),
           sa.Column("major_topic", sa.Boolean, nullable=False),
           sa.Column("qualifiers", sa.JSON, nullable=False),
           sa.Column("major_qualifiers", sa.JSON, nullable=False))
    _child("keywords", sa.Column("keyword", sa.Text, nullable=False))
    _child("trial_ids",
           sa.Column("registry_id", sa.String(64), primary_key=True),
           sa.Column("found_in", sa.String(16), nullable=False), position=False)
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("tagger_version", sa.String(32), nullable=False),
    )
    op.create_index("ix_tags_kind_code_study", "tags", ["kind", "code", "study_id"])
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("query", sa.Text),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False, index=True),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0")
          for name in ("found", "new", "updated", "unchanged", "deleted", "skipped", "failed")),
        sa.Column("message", sa.Text),
        sa.Column("state", sa.JSON, nullable=False),
    )
    op.create_table(
        "pending_pmids",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("ingest_runs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("pmid", sa.String(16), primary_key=True),
    )
    op.create_index("ix_pending_pmids_pmid", "pending_pmids", ["pmid"])


def downgrade() -> None:
    for name in ("pending_pmids", "ingest_runs", "tags", "trial_ids", "keywords",
                 "mesh_headings", "publication_types", "authors", "abstract_sections",
                 "studies"):
        op.drop_table(name)
