"""Opening a database: engine, SQLite pragmas, and migration on first use.

Every entry point (CLI, dashboard, tests) goes through :func:`open_database`,
so a new file or an older schema is brought to the current revision before
anything reads or writes it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from evidence.errors import EvidenceError
from evidence.settings import DEFAULT_DB_URL

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Readers wait this long for a writer's lock before giving up (SQLite).
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Page cache per connection, in KiB (negative means KiB to SQLite). The full-text
# index merges its segments on every commit; with the 2 MiB default each study
# cost 690 us to index at 6,000 studies and rising, with 64 MiB 270 us (measured).
SQLITE_CACHE_KIB = 64 * 1024
# WAL pages between automatic checkpoints (SQLite's default is 1,000, 4 MB): a
# batch of an import dirties about that much, so each commit also checkpointed,
# copying the same index pages into the database file again and again.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000


# Rows ANALYZE reads per index on SQLite (PRAGMA analysis_limit): enough for the
# planner's choices here (which tag index leads a join), and it keeps ANALYZE
# to a few milliseconds at 300,000 studies, against 0.85 s reading them all.
SQLITE_ANALYSIS_LIMIT = 400
# The tables whose statistics decide the dashboard's plans.
PLANNED_TABLES = ("studies", "tags")


@dataclass(frozen=True)
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def refresh_statistics(self) -> None:
        """Give the query planner fresh row statistics, after a run changed studies
        or a migration rebuilt indexes or rows.

        SQLite has none until ANALYZE runs and never updates them by itself;
        without them it reads the evidence map's intervention tags, then each
        study's wide row, then its outcomes (97 ms at 300,000 studies), rather
        than pairing the tags from their indexes first (32 ms). PostgreSQL's
        autovacuum would analyse too, but only a while after a bulk import, and
        its VACUUM is what marks pages all-visible so that the covering indexes
        can answer without the table (outcome counts 164 -> 18 ms at 300,000).

        SQLite's sampled ANALYZE (analysis_limit) guesses each index's row count on
        its own: at 300,000 studies one guessed 287,448 rows and another 318,240, and
        the planner then read the wide table rather than a covering index for the
        pyramid and the newest-first list (387 ms against 90). Every index of a table
        has as many rows as the table, so each gets the exact count (one count(*)
        over the smallest index) and SQLite reloads the statistics.
        """
        if self.dialect == "sqlite":
            with self.engine.begin() as connection:
                connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
                for table in PLANNED_TABLES:
                    connection.exec_driver_sql(f'ANALYZE "{table}"')
                    rows = connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
                    connection.exec_driver_sql(
                        "UPDATE sqlite_stat1 SET stat = CAST(? AS TEXT) || CASE WHEN "
                        "instr(stat, ' ') > 0 THEN substr(stat, instr(stat, ' ')) ELSE '' END "
                        "WHERE tbl = ?", (int(rows or 0), table))
                connection.exec_driver_sql("ANALYZE sqlite_schema")
        elif self.dialect == "postgresql":
            # VACUUM cannot run inside a transaction block.
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(PLANNED_TABLES)}")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` on ``engine``."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo the Alembic migrations after ``revision`` on ``engine`` (rows are kept):
    the way back to an earlier release's schema."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(_alembic_config())
    return [found.revision for found in reversed(list(script.walk_revisions()))]


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the dashboard read while an import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()


# The folder of the default database, made on first use; any other must exist.
DEFAULT_DB_FOLDER: Final = Path(make_url(DEFAULT_DB_URL).database or "").parent


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (as SQLite reads it: "~" is not expanded); None for
    another backend, an in-memory database or a ``file:`` URI."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    return Path(database)


def create_database_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        if (path := sqlite_file(url)) is not None:
            folder = path.parent
            if folder == DEFAULT_DB_FOLDER:  # data/ is not committed: the first run makes it
                folder.mkdir(parents=True, exist_ok=True)
            elif not folder.is_dir():  # a mistyped path must not become a new empty database
                raise EvidenceError(f"cannot open database {safe_url(url)}: there is no "
                                    f"directory {folder}")
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Connect to ``url`` and, unless told not to, migrate it to the head revision."""
    try:
        engine = create_database_engine(url)
        database = Database(url=url, engine=engine,
                            sessions=sessionmaker(engine, expire_on_commit=False))
        if migrate and (found := current_revision(engine)) != head_revision():
            upgrade(engine)
            if found is not None:  # an existing database: its indexes or rows were rebuilt
                _refresh_after_upgrade(database)
    except EvidenceError:
        raise
    except Exception as exc:  # driver errors vary by backend; say which URL failed
        raise EvidenceError(f"cannot open database {safe_url(url)}: {exc}".splitlines()[0]) from exc
    return database


def safe_url(url: str) -> str:
    """``url`` as it may be shown or logged: the password masked (in a URL SQLAlchemy
    cannot read, whatever stands between ``user:`` and ``@``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        if "@" not in url:
            return url
        # Unreadable, so where the password ends is unknown: mask all before the host.
        credentials, host = url.rsplit("@", 1)
        scheme = re.match(r"[A-Za-z][\w+.-]*:/*", credentials)
        return f"{scheme.group() if scheme else ''}***@{host}"


def _refresh_after_upgrade(database: Database) -> None:
    """Statistics for the rebuilt indexes and rows, at once rather than after the next
    import. The upgrade is committed by now: a refresh that fails (a writer holding
    SQLite's lock past the timeout) costs plan quality until then, not the open."""
    try:
        database.refresh_statistics()
    except DBAPIError as exc:
        warnings.warn(f"{safe_url(database.url)}: upgraded, but planner statistics were not "
                      f"refreshed ({str(exc.orig).splitlines()[0]}); the next import that "
                      "changes studies refreshes them", stacklevel=3)
