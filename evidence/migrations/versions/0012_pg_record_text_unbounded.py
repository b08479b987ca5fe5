"""PostgreSQL: the free-text columns of a record hold any length.

The first schema gave page strings, volumes and issues 64 characters, DOIs, names,
labels, publication types and MeSH headings 255, and a few ids 16 or 32. PostgreSQL
enforces such a length: one record with a longer value (a page string with
"discussion ...; author reply ...", a mutated file) refused the whole import with a
driver error that named no record, where SQLite, which never enforces a length,
stored it. On PostgreSQL the columns become ``text``; varchar to text needs no table
rewrite. SQLite's schema is left as it is.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# (table, column, length the first schema gave it)
COLUMNS = (
    ("studies", "doi", 255), ("studies", "pmcid", 32), ("studies", "journal_abbrev", 255),
    ("studies", "volume", 64), ("studies", "issue", 64), ("studies", "pages", 64),
    ("abstract_sections", "label", 255), ("abstract_sections", "category", 32),
    ("authors", "last_name", 255), ("authors", "fore_name", 255), ("authors", "initials", 32),
    ("publication_types", "name", 255),
    ("mesh_headings", "descriptor", 255), ("mesh_headings", "descriptor_ui", 16),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:  # what no longer fits is cut, as it must be
        op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text(),
                        postgresql_using=f"left({column}, {length})")
