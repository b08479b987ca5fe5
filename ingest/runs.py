"""The ingest-runs table: every import and ingest is recorded with its counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from evidence.db import Database
from evidence.models import IngestRun
from ingest.load import LoadCounts

RUNNING, SUCCEEDED, FAILED, INTERRUPTED = "running", "succeeded", "failed", "interrupted"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_run(database: Database, kind: str, *, query: str | None = None,
              params: dict[str, Any] | None = None) -> int:
    """Record a new run as running and return its id."""
    with database.session() as session:
        run = IngestRun(kind=kind, query=query, params=params or {}, started_at=_now(),
                        status=RUNNING, state={})
        session.add(run)
        session.flush()
        return run.id


def finish_run(database: Database, run_id: int, counts: LoadCounts, *, status: str,
               message: str | None = None, found: int | None = None) -> None:
    values: dict[str, Any] = {**counts.as_dict(), "status": status, "finished_at": _now(),
                              "message": message}
    if found is not None:
        values["found"] = found
    with database.session() as session:
        session.execute(update(IngestRun).where(IngestRun.id == run_id).values(**values))


def mark_abandoned_runs(database: Database, kind: str) -> int:
    """Runs left 'running' by a killed process are marked interrupted."""
    with database.session() as session:
        result = session.execute(
            update(IngestRun).where(IngestRun.kind == kind, IngestRun.status == RUNNING)
            .values(status=INTERRUPTED))
        return result.rowcount or 0
