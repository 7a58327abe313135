"""Appending many rows to a table in one go, the cheapest way each store offers (ledger layer).

`append_rows` is the one place the ledger writes rows in bulk without reading anything back (journal lines,
accepted CAD versions). On PostgreSQL it streams them with COPY FROM STDIN: one short statement however many
rows, which psycopg neither parses per batch nor binds per row, and which the server inserts without
planning a statement per row (measured in docs/BENCHMARKS.md, "post"). Elsewhere (SQLite) it is SQLAlchemy's
executemany INSERT, unchanged.

COPY FROM can only insert, and it fires the tables' insert triggers and checks their constraints like an
INSERT, so the journal's append-only guards are untouched: the database's triggers still refuse UPDATE,
DELETE and TRUNCATE, and `ledger.journal.refuse_journal_changes` (an event on SQLAlchemy statements, which a
COPY bypasses) still sees every UPDATE and DELETE, since only those can change a row. Ids still come from
the tables' own sequences (the id column is left out of the COPY and takes its default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError


def append_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys, named as `table`'s columns) into `table`, in order."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    names = list(rows[0])
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(table.c[name].name) for name in names)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    driver_connection: Any = connection.connection.driver_connection
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
    except connection.dialect.loaded_dbapi.Error as error:
        # What SQLAlchemy raises for a failed statement (a lost connection is an OperationalError, which the
        # unit of work turns into StoreUnavailable; a unique violation an IntegrityError).
        raise DBAPIError.instance(
            statement, None, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from error
