"""PostgreSQL: the search vector is kept in the study's row; the abstract leaves it.

A study row with its title, compressed abstract and search vector is over
PostgreSQL's 2 kB TOAST threshold, and by default the search vector (the
largest value, about 1.3 kB) was moved out of the row. The planner does not
count the cost of fetching it back: for a word that a third of the studies
hold ("patients"), it chose to scan the table and test every row's vector,
three TOAST reads each (350 ms at 300,000 studies), over the full-text
index. Stored ``MAIN``, the vector stays in the row and the abstract, which
no filter reads, moves out instead; that same query then takes about 95 ms
and the slowest dashboard query for it 133 ms (against 420 ms).

``SET STORAGE`` applies to rows written from now on; ``CLUSTER`` rewrites
the existing ones, with the table locked meanwhile: at 300,000 studies the
upgrade takes about 16 s, planner statistics included (``open_database``
refreshes them after it upgrades an existing database).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _store_search_vector(storage: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE studies ALTER COLUMN search_vector SET STORAGE {storage}")
    # Unlike VACUUM FULL, CLUSTER of one table may run inside the migration's transaction.
    op.execute("CLUSTER studies USING studies_pkey")
    op.execute("ALTER TABLE studies SET WITHOUT CLUSTER")  # no later bare CLUSTER picks it


def upgrade() -> None:
    _store_search_vector("MAIN")


def downgrade() -> None:
    _store_search_vector("EXTENDED")
