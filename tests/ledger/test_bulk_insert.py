"""`append_rows` on both stores: rows stored exactly as an INSERT stores them (a COPY on PostgreSQL), ids
from the table's own sequence, and a failure raised as SQLAlchemy raises a failed statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError

from ledger.bulk_insert import append_rows
from tests.conftest import Store

probes = Table(
    "bulk_probe",
    MetaData(),
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("note", Text, nullable=True),
    Column("cents", BigInteger, nullable=False),
    Column("day", Date, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name"),
)

AT = dt.datetime(2026, 12, 3, 13, 45, 7, 250000, tzinfo=dt.UTC)

# Text a COPY must escape (tab, newline, backslash, its own null marker), or could mistake for a null.
AWKWARD_NOTES = ["tab\there", "two\nlines\r\n", "back\\slash", "\\N", "", None, "Québec — 5 % ✓", "'quoted'"]


@pytest.fixture
def engine(store: Store) -> Iterator[Engine]:
    probes.create(store.engine)
    yield store.engine


def probe(
    number: int, note: str | None = "note", day: dt.date | None = dt.date(2026, 12, 14)
) -> dict[str, Any]:
    return {"name": f"probe {number}", "note": note, "cents": 10**15 + number, "day": day, "at": AT}


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    query = select(probes.c.name, probes.c.note, probes.c.cents, probes.c.day, probes.c.at).order_by(
        probes.c.id
    )
    with engine.connect() as connection:
        return [
            (*row[:4], row.at.replace(tzinfo=row.at.tzinfo or dt.UTC)) for row in connection.execute(query)
        ]


def test_appended_rows_are_stored_exactly_as_given_in_order(engine: Engine) -> None:
    rows = [probe(number, note) for number, note in enumerate(AWKWARD_NOTES)] + [probe(99, day=None)]
    with engine.begin() as connection:
        append_rows(connection, probes, rows)
    assert stored(engine) == [(r["name"], r["note"], r["cents"], r["day"], r["at"]) for r in rows]


def test_appended_rows_take_their_ids_from_the_table_so_a_later_insert_follows_them(engine: Engine) -> None:
    with engine.begin() as connection:
        append_rows(connection, probes, [probe(1), probe(2)])
        connection.execute(probes.insert(), probe(3))
        append_rows(connection, probes, [probe(4)])
    with engine.connect() as connection:
        ids = connection.execute(select(probes.c.id).order_by(probes.c.name)).scalars().all()
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_nothing_to_append_is_no_statement(engine: Engine) -> None:
    with engine.begin() as connection:
        append_rows(connection, probes, [])
    assert stored(engine) == []


def test_a_refused_row_raises_what_sqlalchemy_raises_and_keeps_none_of_the_rows(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        append_rows(connection, probes, [probe(1), probe(1)])
    assert stored(engine) == []
