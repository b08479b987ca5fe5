"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL.

PostgreSQL tests run against ``EVIDENCE_TEST_POSTGRES_URL`` (default: the
local server, user postgres). Without a reachable server they skip with the
reason; with ``EVIDENCE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) they fail.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from evidence.db import Database, open_database

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = REPO_ROOT.parent / "shared"
NCBI_REFERENCE = SHARED / "reference" / "ncbi"
GOLD_DEV = SHARED / "gold" / "dev.jsonl"
POSTGRES_ADMIN_URL = os.environ.get(
    "EVIDENCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("EVIDENCE_REQUIRE_POSTGRES") == "1"

# The compiled Hyperscan databases of this run go to a cache of its own, not the
# user's (evidence.tagging.hyperscan_cache reads the platform's cache directory at each
# call); set before any test module loads the tagger, and inherited by the commands the
# tests start.
_TEST_CACHE = tempfile.mkdtemp(prefix="evidence-test-cache-")
os.environ["XDG_CACHE_HOME"] = _TEST_CACHE
atexit.register(shutil.rmtree, _TEST_CACHE, ignore_errors=True)


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {reason}"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " (EVIDENCE_REQUIRE_POSTGRES=1)")
    pytest.skip(message)


def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new empty database; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'evidence.db'}"
        return
    name = f"evidence_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, no driver, no rights: all mean "cannot test here"
        _postgres_unavailable(str(exc).splitlines()[0])
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url(request.param, tmp_path)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.dispose()


def need_shared(path: Path) -> Path:
    """Skip when ../shared (real NCBI files, the gold set) is not beside the repo."""
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside the repo in CI and dev)")
    return path
