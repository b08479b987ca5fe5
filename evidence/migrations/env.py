"""Alembic environment: run migrations on the connection evidence.db hands us.

``evidence.db.open_database`` passes its connection in ``config.attributes``
so migrations run inside the program; the ``alembic`` command line works too,
with ``-x url=...`` or ``EVIDENCE_DB_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from evidence.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "EVIDENCE_DB_URL", "sqlite:///data/evidence.db")
    with create_engine(url).connect() as conn:
        _run(conn)
