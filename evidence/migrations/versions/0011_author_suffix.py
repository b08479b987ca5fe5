"""Authors keep their generational suffix ("Jr", "3rd").

PubMed XML gives it apart from the name (<Suffix>), MEDLINE text at its end
("Bunn PA Jr"). Without it a father and a son with the same initials are one
author in exports and citations, and AMA, APA and NLM all print it. Rows
written before this revision have none until their records are imported again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Text: PubMed's <Suffix> is free text ("Jr., M.D., Ph.D."), and a bounded column
    # would refuse a whole import on PostgreSQL for one long one.
    op.add_column("authors", sa.Column("suffix", sa.Text))


def downgrade() -> None:
    op.drop_column("authors", "suffix")
