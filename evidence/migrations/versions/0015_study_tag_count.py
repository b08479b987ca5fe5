"""Studies keep how many tags rows the tagger wrote for them.

`evidence check` compares it with the rows there are, so a study that lost some
of its tags (a fault, a hand edit) is found and `evidence retag` can restore them;
before, a study whose tag rows were gone was "consistent" and dropped out of every
tag filter. Rows written before this revision get the count of the rows they have.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("studies", sa.Column("tag_count", sa.Integer))
    op.execute("UPDATE studies SET tag_count = (SELECT count(*) FROM tags "
               "WHERE tags.study_id = studies.id) WHERE tagger_version IS NOT NULL")


def downgrade() -> None:
    op.drop_column("studies", "tag_count")
