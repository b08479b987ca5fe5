"""Bulk writes of row tuples in each driver's own fastest form.

SQLite takes one ``executemany`` of a plain INSERT per table; PostgreSQL takes
``COPY ... FROM STDIN``, several times faster than any INSERT. Both run on the
session's own connection, inside its transaction, so a batch is still all or
nothing. Rows arrive ready for the driver (see :mod:`ingest.rows`): no value
is converted here, which is what keeps the single writer of an import cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ingest.rows import Row


def _names(connection: Connection, columns: Sequence[str]) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return ", ".join(quote(column) for column in columns)


def _placeholder(connection: Connection) -> str:
    # The two paramstyles of the drivers we support: sqlite3 "qmark", psycopg "format".
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def insert_rows(session: Session, table: str, columns: Sequence[str],
                rows: Sequence[Row]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``."""
    if not rows:
        return
    connection = session.connection()
    quoted_table = connection.dialect.identifier_preparer.quote(table)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {quoted_table} ({_names(connection, columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join([_placeholder(connection)] * len(columns))
    connection.exec_driver_sql(
        f"INSERT INTO {quoted_table} ({_names(connection, columns)}) VALUES ({marks})",
        list(rows))


def update_rows(session: Session, table: str, key: str, columns: Sequence[str],
                rows: Sequence[Row]) -> None:
    """Set ``columns`` of the rows of ``table`` whose ``key`` is each tuple's last value."""
    if not rows:
        return
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    mark = _placeholder(connection)
    assignments = ", ".join(f"{quote(column)} = {mark}" for column in columns)
    connection.exec_driver_sql(
        f"UPDATE {quote(table)} SET {assignments} WHERE {quote(key)} = {mark}", list(rows))
