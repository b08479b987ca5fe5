"""At most one ingest recorded as running, enforced by the database.

`evidence ingest` refuses to start while another one runs, but the check and
the insert of its own run were two transactions: two runs started in the same
second (two cron entries, a retry loop) could both pass the check. A partial
unique index on the running ingests makes the second insert fail, on SQLite
and PostgreSQL alike, and on any number of hosts.

Rows left "running" by older versions (killed runs nobody marked) would block
the index: all but the newest are marked interrupted first, as the next
ingest's check would have marked them anyway.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "ux_ingest_runs_one_running_ingest"
WHERE = "kind = 'ingest' AND status = 'running'"


def upgrade() -> None:
    op.execute(
        "UPDATE ingest_runs SET status = 'interrupted' "
        f"WHERE {WHERE} AND id < (SELECT max(id) FROM ingest_runs WHERE {WHERE})")
    op.create_index(INDEX, "ingest_runs", ["kind"], unique=True,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index(INDEX, table_name="ingest_runs")
