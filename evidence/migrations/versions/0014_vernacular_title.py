"""Studies keep the title in the article's own language (PubMed's VernacularTitle).

For an article not in English, PubMed's ArticleTitle is an English translation in
square brackets ("[Vaccines are drugs].") and the original ("I vaccini sono
farmaci.") is a separate element, which the parser used to drop. APA cites the
original followed by the translation, and CSL-JSON carries it as
``original-title``. Rows written before this revision have none until their
records are imported again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("studies", sa.Column("vernacular_title", sa.Text))


def downgrade() -> None:
    op.drop_column("studies", "vernacular_title")
