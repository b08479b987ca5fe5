"""Drop the three indexes no query reads: every import paid to keep them.

``studies.doi``, ``publication_types.name`` and ``mesh_headings.descriptor``
were indexed by the first schema in case a filter would want them. None
does: the dashboard, exports, retag and ``evidence check`` read publication
types and MeSH headings by study (their primary keys), and no query looks a
study up by DOI. Each imported record added about a dozen entries to them
(one per MeSH heading and publication type), in random order, so most of
the cost was B-tree pages read and rewritten all over each index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = (("ix_studies_doi", "studies", "doi"),
           ("ix_publication_types_name", "publication_types", "name"),
           ("ix_mesh_headings_descriptor", "mesh_headings", "descriptor"))


def upgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])
