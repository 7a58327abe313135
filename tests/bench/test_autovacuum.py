"""The load benchmark's autovacuum stand-in: PostgreSQL's own rule, applied only where autovacuum is off."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from bench.autovacuum import Thresholds, autovacuum_stand_in
from tests.conftest import Store

DEFAULTS = Thresholds(  # PostgreSQL 15's defaults
    vacuum=50, vacuum_scale=0.2, insert=1000, insert_scale=0.2, analyze=50, analyze_scale=0.1
)


@pytest.mark.parametrize(
    ("reltuples", "dead", "inserted", "modified", "expected"),
    [
        (0, 0, 0, 0, (False, False)),  # an empty table is left alone: never analyzed while empty
        (0, 0, 51, 51, (False, True)),  # more than 50 changes: analyzed
        (0, 0, 1001, 1001, (True, True)),  # more than 1,000 inserts: vacuumed too
        (10_000, 0, 2_000, 1_000, (False, False)),  # 10 % of 10,000 + 50 not passed yet
        (10_000, 0, 2_000, 1_051, (False, True)),
        (10_000, 2_051, 0, 0, (True, False)),  # dead rows past 20 % + 50
    ],
)
def test_the_rule_is_postgresqls(
    reltuples: float, dead: int, inserted: int, modified: int, expected: tuple[bool, bool]
) -> None:
    assert DEFAULTS.work(reltuples, dead, inserted, modified) == expected


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_grown_table_is_analyzed_and_a_small_one_left(store: Store) -> None:
    engine = create_engine(store.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE grown (x integer)"))
        connection.execute(text("CREATE TABLE small (x integer)"))
        connection.execute(text("INSERT INTO grown SELECT generate_series(1, 200)"))
        connection.execute(text("INSERT INTO small SELECT generate_series(1, 10)"))
        autovacuum = connection.execute(text("SHOW autovacuum")).scalar_one()
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    engine.dispose()  # a backend's table counters reach pg_stat_user_tables when it ends, at the latest

    with autovacuum_stand_in(store.url, naptime=0.1) as done:
        deadline = time.monotonic() + 10
        while not done and time.monotonic() < deadline and autovacuum == "off":
            time.sleep(0.1)

    if autovacuum == "on":  # the server does it: the stand-in must not
        assert done == []
        return
    assert done == [f'ANALYZE "{schema}"."grown"']  # 200 rows: past 50 changes, short of 1,000 inserts
    with store.engine.connect() as connection:
        tuples = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = 'grown'::regclass")
        ).scalar()
    assert tuples == 200
