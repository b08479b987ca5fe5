"""`evidence import` killed with SIGKILL at random moments, then run again.

After every kill the database must be consistent (`evidence check`); after the
final run it must hold exactly the file's studies, each once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evidence.db import open_database
from evidence.integrity import check_database
from evidence.models import AuthorRow, IngestRun, Study
from tests.corpus import write_corpus

EVIDENCE = str(Path(sys.executable).with_name("evidence"))
RECORDS = 1200


def _stored(db_url: str) -> tuple[list[str], int]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            pmids = list(session.scalars(select(Study.pmid)))
            authors = session.scalar(select(func.count()).select_from(AuthorRow)) or 0
        return pmids, authors
    finally:
        database.dispose()


def _processes_with(token: str) -> list[int]:
    """PIDs of live processes whose environment holds ``token`` (a run's whole family)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if token.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def _left_behind(token: str, grace_seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + grace_seconds
    while (alive := _processes_with(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _check(db_url: str) -> list[str]:
    database = open_database(db_url)
    try:
        return check_database(database)
    finally:
        database.dispose()


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "worker-processes"])
def test_sigkill_at_random_points_then_rerun_gives_exact_counts(db_url, tmp_path: Path,
                                                                  jobs: str):
    corpus = tmp_path / "corpus.xml"
    expected = write_corpus(corpus, RECORDS)
    command = [EVIDENCE, "import", "--db", db_url, "--jobs", jobs, "--batch-size", "50",
               str(corpus)]
    rng = random.Random(f"{jobs}:{db_url.split(':')[0]}")
    # Every process the import starts (workers, fork server) inherits this variable.
    token = f"evidence-crash-test-{uuid.uuid4().hex}"
    environment = {**os.environ, "EVIDENCE_CRASH_TEST_TOKEN": token}
    kills = 0
    for round_number in range(3):
        # Kill once the import has stored a random share of this round's work, plus a
        # random few milliseconds so the kill lands anywhere inside the next batch.
        # A kill that landed late may leave less than one record per round to go.
        stored_before = len(_stored(db_url)[0])
        share = max(1, (RECORDS - stored_before) // (4 - round_number))
        target = stored_before + rng.randint(1, share)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   env=environment)
        while process.poll() is None and len(_stored(db_url)[0]) < target:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        assert _left_behind(token) == [], "a killed import left processes running"
        assert _check(db_url) == [], "inconsistent after SIGKILL"
        stored, _ = _stored(db_url)
        assert len(stored) == len(set(stored)) <= RECORDS
    final = subprocess.run(command, capture_output=True, text=True, check=False)
    assert final.returncode == 0, final.stderr
    stored, authors = _stored(db_url)
    assert sorted(stored) == sorted(expected)
    # the template's four articles have 3, 1, 1 and 0 authors
    assert authors == sum((3, 1, 1, 0)[index % 4] for index in range(RECORDS))
    assert _check(db_url) == []
    assert kills >= 1, "the import finished before any kill: make the corpus larger"
    # The runs the kills cut short say so, rather than "running" for ever (a kill
    # can also land before a run is recorded, or after it finished).
    statuses = _statuses(db_url)
    assert "running" not in statuses and statuses[-1] == "succeeded"
    assert 1 <= statuses.count("interrupted") <= kills


def _statuses(db_url: str) -> list[str]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            return list(session.scalars(select(IngestRun.status).order_by(IngestRun.id)))
    finally:
        database.dispose()
