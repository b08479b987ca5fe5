"""A narrow covering index for the dashboard's aggregates.

Headline figures, studies per year and the pyramid group or sum over design,
year, level, sample size, relevance and retraction. Without this index SQLite
scans the whole studies table, abstracts included; with it, the index alone.
Measured on 30,000 studies (cold cache): studies per year 171 ms -> 5 ms,
headline 31 ms -> 5 ms.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ["design", "year", "evidence_level", "sample_size", "relevant", "retracted"]


def upgrade() -> None:
    op.create_index("ix_studies_overview", "studies", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_studies_overview", table_name="studies")
