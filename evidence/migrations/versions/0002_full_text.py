"""Full-text search over title and abstract.

SQLite: an external-content FTS5 table kept in step by triggers.
PostgreSQL: a stored generated tsvector column with a GIN index.
Existing rows are indexed as part of the upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE studies_fts USING fts5(
           title, abstract, content='studies', content_rowid='id',
           tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER studies_fts_ai AFTER INSERT ON studies BEGIN
           INSERT INTO studies_fts(rowid, title, abstract)
           VALUES (new.id, new.title, new.abstract);
       END""",
    """CREATE TRIGGER studies_fts_ad AFTER DELETE ON studies BEGIN
           INSERT INTO studies_fts(studies_fts, rowid, title, abstract)
           VALUES ('delete', old.id, old.title, old.abstract);
       END""",
    """CREATE TRIGGER studies_fts_au AFTER UPDATE OF title, abstract ON studies BEGIN
           INSERT INTO studies_fts(studies_fts, rowid, title, abstract)
           VALUES ('delete', old.id, old.title, old.abstract);
           INSERT INTO studies_fts(rowid, title, abstract)
           VALUES (new.id, new.title, new.abstract);
       END""",
    "INSERT INTO studies_fts(studies_fts) VALUES ('rebuild')",
]

POSTGRES_UP = [
    """ALTER TABLE studies ADD COLUMN search_vector tsvector
           GENERATED ALWAYS AS (to_tsvector('english',
               coalesce(title, '') || ' ' || coalesce(abstract, ''))) STORED""",
    "CREATE INDEX ix_studies_search_vector ON studies USING gin (search_vector)",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("studies_fts_ai", "studies_fts_ad", "studies_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS studies_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_studies_search_vector")
        op.execute("ALTER TABLE studies DROP COLUMN IF EXISTS search_vector")
