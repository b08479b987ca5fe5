"""The sort by PMID orders by the PMID's number, read from the covering indexes.

Until now "PMID" sorted by the internal id, which is import order: a file
that arrives out of PMID order, or an update file after a baseline, put
studies out of PMID order. PMIDs are digit strings without leading zeros, so
their numeric order is (length, text).

Both covering indexes of 0006 gain ``pmid`` as their last column, so a
filtered sort by PMID reads whichever narrow index the filter suits and
sorts what passes, instead of reading the wide rows: 12 ms at 300,000
studies for "relevant, not retracted", against 150 ms warm (seconds cold)
through the rows. Rebuilding the two indexes of an existing database of
300,000 studies takes a few seconds.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ["design", "year", "evidence_level", "sample_size", "relevant", "retracted",
           "pub_sort_date"]


def _recreate(columns: list[str]) -> None:
    for name, leading in (("ix_studies_overview", []), ("ix_studies_by_id", ["id"])):
        op.drop_index(name, table_name="studies")
        op.create_index(name, "studies", [*leading, *columns])


def upgrade() -> None:
    _recreate([*COLUMNS, "pmid"])


def downgrade() -> None:
    _recreate(COLUMNS)
