"""Studies are found through narrow covering indexes, never by reading their rows.

A study row holds its title and abstract (1.3 kB on average), so a plan that
finds studies through a one-column index and then reads each row, or scans
the table, reads hundreds of megabytes at 300,000 studies. SQLite chose such
plans for ordinary filters: "exclude retracted" walked ``ix_studies_retracted``
and read every row (pyramid 430 ms); "relevant only" sorted by PMID scanned
the table (study table 2.2 s cold, 310 ms warm).

The one-column indexes on design, year, evidence level, sample size,
relevance, retraction and publication date go. Two covering indexes hold
every column the dashboard filters or sorts studies on:

* ``ix_studies_overview``, design first (as in 0005, now with the
  publication date): the aggregates, design filters, and the sorts by date,
  level and size, which scan it and keep the first rows (under 100 ms);
* ``ix_studies_by_id``, id first: the sort by PMID (import order), which
  reads it in order and checks the filter in the index (18 ms).

An import writes six fewer index entries per study.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FILTER_COLUMNS = ["design", "year", "evidence_level", "sample_size", "relevant", "retracted"]
DROPPED = ["design", "year", "evidence_level", "sample_size", "relevant", "retracted",
           "pub_sort_date"]


def upgrade() -> None:
    for column in DROPPED:
        op.drop_index(f"ix_studies_{column}", table_name="studies")
    op.drop_index("ix_studies_overview", table_name="studies")
    op.create_index("ix_studies_overview", "studies", [*FILTER_COLUMNS, "pub_sort_date"])
    op.create_index("ix_studies_by_id", "studies", ["id", *FILTER_COLUMNS, "pub_sort_date"])


def downgrade() -> None:
    op.drop_index("ix_studies_by_id", table_name="studies")
    op.drop_index("ix_studies_overview", table_name="studies")
    op.create_index("ix_studies_overview", "studies", FILTER_COLUMNS)
    for column in DROPPED:
        op.create_index(f"ix_studies_{column}", "studies", [column])
