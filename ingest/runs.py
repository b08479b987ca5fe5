"""The ingest-runs table: every import and ingest is recorded with its counts."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from evidence.db import Database
from evidence.errors import EvidenceError
from evidence.models import IngestRun
from ingest.load import LoadCounts
from ingest.worker_pool import process_running

RUNNING, SUCCEEDED, FAILED, INTERRUPTED = "running", "succeeded", "failed", "interrupted"


class AlreadyRunning(EvidenceError):
    """Another ingest was recorded as running between our check and our start."""


def now_utc() -> dt.datetime:
    """Now, in UTC, as the runs table stores times (naive)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_run(database: Database, kind: str, *, query: str | None = None,
              params: dict[str, Any] | None = None) -> int:
    """Record a new run as running, with the process that runs it, and return its id.

    The database holds at most one running ingest (migration 0013): a second one,
    started in the same moment as another past the caller's check, is
    :class:`AlreadyRunning` and records nothing.
    """
    params = {**(params or {}), "process": _this_process()}
    try:
        with database.session() as session:
            run = IngestRun(kind=kind, query=query, params=params, started_at=now_utc(),
                            status=RUNNING, state={})
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError as exc:
        if kind != "ingest":
            raise
        raise AlreadyRunning("another ingest started at the same moment; "
                             "try again when it has finished") from exc


def finish_run(database: Database, run_id: int, counts: LoadCounts, *, status: str,
               message: str | None = None, found: int | None = None) -> None:
    """Record how a run ended; if it changed studies, refresh the planner's statistics."""
    values: dict[str, Any] = {**counts.as_dict(), "status": status, "finished_at": now_utc(),
                              "message": message}
    if found is not None:
        values["found"] = found
    with database.session() as session:
        session.execute(update(IngestRun).where(IngestRun.id == run_id).values(**values))
    if counts.new or counts.updated or counts.deleted:
        database.refresh_statistics()


def mark_interrupted(database: Database, run_ids: list[int]) -> None:
    with database.session() as session:
        session.execute(update(IngestRun).where(IngestRun.id.in_(run_ids))
                        .values(status=INTERRUPTED))


def running_runs(database: Database, kind: str) -> list[IngestRun]:
    """Runs of ``kind`` still recorded as running (after :func:`mark_dead_runs`: their
    process is alive, or on another host)."""
    with database.session() as session:
        return list(session.scalars(select(IngestRun).where(
            IngestRun.kind == kind, IngestRun.status == RUNNING).order_by(IngestRun.id)))


def _this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _process_ended(process: Any) -> bool:
    """Whether a run's recorded process, on this host, is no longer running."""
    if not isinstance(process, dict) or process.get("host") != socket.gethostname():
        return False  # another machine's run, or one recorded before processes were
    pid = process.get("pid")
    return isinstance(pid, int) and pid != os.getpid() and not process_running(pid)


def mark_dead_runs(database: Database) -> int:
    """Runs still 'running' whose process on this host has ended (a killed import)
    are marked interrupted; runs of live processes, and of other hosts, are left."""
    with database.session() as session:
        dead = [run_id for run_id, params in session.execute(
                    select(IngestRun.id, IngestRun.params).where(IngestRun.status == RUNNING))
                if _process_ended((params or {}).get("process"))]
        if dead:
            session.execute(update(IngestRun).where(IngestRun.id.in_(dead))
                            .values(status=INTERRUPTED))
        return len(dead)
