"""The import's worker processes: when to use them, how they start, how they end.

Kept apart from :mod:`ingest.parallel` (which cuts files into chunks and
schedules them) and free of heavy imports, so that the ``evidence import``
command can start the fork server before it loads anything else: the server
then loads the tagger while the importer loads SQLAlchemy and opens the
database, instead of the importer waiting for it.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Iterable
from multiprocessing import forkserver, get_context
from multiprocessing.context import BaseContext
from pathlib import Path

# Below this size a file is parsed in-process: starting workers would cost more.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
# How often a worker checks that the importer still runs, where it cannot wait for it.
IMPORTER_POLL_SECONDS = 1.0
# What the fork server imports before it forks a worker (see ingest.worker_preload).
_PRELOAD = ["__main__", "ingest.worker_preload"]


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def should_parallelise(path: Path) -> bool:
    try:
        return worker_count() > 1 and path.stat().st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return False


def worker_context() -> BaseContext:
    """forkserver: workers never inherit the parent's database connections or threads;
    the server itself loads the tagger first, so each worker is forked ready to tag."""
    context = get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def start_early(paths: Iterable[Path]) -> bool:
    """Start the fork server now if any of ``paths`` will be parsed by workers.

    Its preloading (the tagger's rules and Hyperscan databases, about 1.4 s
    of CPU) then runs on the other core while this process carries on; the
    pool that :mod:`ingest.parallel` makes later finds the server running.
    Returns whether it was started.
    """
    if not any(should_parallelise(Path(path)) for path in paths):
        return False
    worker_context()
    forkserver.ensure_running()
    return True


def end_with(importer_pid: int) -> None:
    """Worker initializer: end this worker when the importing process ends, however it ends.

    A pool shuts its workers down itself, but not when the importer is killed
    (SIGKILL, the OOM killer): each worker then waits on its task queue for
    ever, and keeps multiprocessing's fork server and resource tracker alive
    with it. A thread that waits for the importer's exit ends the whole family.
    """
    threading.Thread(target=_exit_after, args=(importer_pid,), daemon=True,
                     name="end-with-importer").start()


def _exit_after(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)  # Linux: readable once the process has ended
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:  # elsewhere: poll
        while process_running(pid):
            time.sleep(IMPORTER_POLL_SECONDS)
    os._exit(1)


def process_running(pid: int) -> bool:
    """Whether process ``pid`` of this host still runs (one we may not signal does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
