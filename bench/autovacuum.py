"""What PostgreSQL's autovacuum would do to a benchmark's database, done by the benchmark (bench tooling).

The load benchmark's day starts on empty journal and CAD-version tables that grow by a hundred thousand rows
while it runs. On a server with autovacuum on (the default, and what docs/OPERATIONS.md asks for), the
autovacuum launcher visits the database every `autovacuum_naptime` and analyzes (and vacuums) each table
whose changes passed its thresholds, so the planner sees the tables grow. This machine's PostgreSQL runs
with autovacuum off: its planner would guess the growing tables' sizes all day, and look up the history of
each file's CADs by scanning every CAD version (a cost that grows with the day, about 14 s of the server's
CPU on the whole day).

`autovacuum_stand_in` does, while the benchmark runs and only when the server's autovacuum is off, what the
launcher would: every `autovacuum_naptime` it reads the database's table counters and runs the ANALYZE and
VACUUM that PostgreSQL's own rule calls for (threshold + scale factor x rows, with the server's settings),
throttled by autovacuum's cost delay. It runs in the benchmark's parent process, on the same machine, so
what it costs is in the measurement, as autovacuum's work would be.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, text

SETTINGS = (
    "autovacuum",
    "autovacuum_naptime",
    "autovacuum_vacuum_threshold",
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_threshold",
    "autovacuum_vacuum_insert_scale_factor",
    "autovacuum_analyze_threshold",
    "autovacuum_analyze_scale_factor",
    "autovacuum_vacuum_cost_delay",
    "autovacuum_vacuum_cost_limit",
    "vacuum_cost_limit",
)

# The counters of the tables in the connection's schema (where the benchmark's, or a test's, tables are).
COUNTERS = text(
    "SELECT s.schemaname, s.relname, greatest(c.reltuples, 0) AS reltuples, s.n_dead_tup, "
    "s.n_ins_since_vacuum, s.n_mod_since_analyze "
    "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = current_schema() ORDER BY s.relname"
)


COMMANDS = {(True, True): "VACUUM (ANALYZE)", (True, False): "VACUUM", (False, True): "ANALYZE"}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """PostgreSQL's autovacuum rule (src/backend/postmaster/autovacuum.c, `relation_needs_vacanalyze`)."""

    vacuum: float
    vacuum_scale: float
    insert: float
    insert_scale: float
    analyze: float
    analyze_scale: float

    def work(self, reltuples: float, dead: int, inserted: int, modified: int) -> tuple[bool, bool]:
        """(vacuum, analyze): what autovacuum would run on a table with these counters."""
        vacuum = dead > self.vacuum + self.vacuum_scale * reltuples or (
            self.insert >= 0 and inserted > self.insert + self.insert_scale * reltuples
        )
        return vacuum, modified > self.analyze + self.analyze_scale * reltuples


def _settings(connection: Connection) -> dict[str, str]:
    rows = connection.execute(
        text("SELECT name, setting FROM pg_settings WHERE name = ANY(:names)"), {"names": list(SETTINGS)}
    )
    return {name: setting for name, setting in rows}


@contextmanager
def autovacuum_stand_in(url: str, *, naptime: float | None = None) -> Iterator[list[str]]:
    """While the block runs, do autovacuum's work on the database at `url` if the server's autovacuum is off.

    Yields the list of what was run ('ANALYZE "public"."journal_entry"' ...), filled in as it happens.
    `naptime`: seconds between visits, instead of the server's `autovacuum_naptime` (for tests).
    """
    done: list[str] = []
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            settings = _settings(connection)
        if settings["autovacuum"] == "on":
            yield done
            return
        stop = threading.Event()
        if naptime is not None:
            settings["autovacuum_naptime"] = str(naptime)
        thread = threading.Thread(target=_visit, args=(engine, settings, stop, done), daemon=True)
        thread.start()
        try:
            yield done
        finally:
            stop.set()
            thread.join()
    finally:
        engine.dispose()


def _visit(engine: Engine, settings: dict[str, str], stop: threading.Event, done: list[str]) -> None:
    thresholds = Thresholds(
        vacuum=float(settings["autovacuum_vacuum_threshold"]),
        vacuum_scale=float(settings["autovacuum_vacuum_scale_factor"]),
        insert=float(settings["autovacuum_vacuum_insert_threshold"]),
        insert_scale=float(settings["autovacuum_vacuum_insert_scale_factor"]),
        analyze=float(settings["autovacuum_analyze_threshold"]),
        analyze_scale=float(settings["autovacuum_analyze_scale_factor"]),
    )
    limit = settings["autovacuum_vacuum_cost_limit"]
    limit = settings["vacuum_cost_limit"] if limit == "-1" else limit
    naptime = float(settings["autovacuum_naptime"])  # seconds
    with engine.connect() as connection:
        # autovacuum's throttle, which a manual VACUUM or ANALYZE leaves off
        connection.execute(text(f"SET vacuum_cost_delay = {float(settings['autovacuum_vacuum_cost_delay'])}"))
        connection.execute(text(f"SET vacuum_cost_limit = {int(limit)}"))
        while not stop.wait(naptime):
            for schema, name, reltuples, dead, inserted, modified in connection.execute(COUNTERS).all():
                vacuum, analyze = thresholds.work(reltuples, dead, inserted, modified)
                if vacuum or analyze:
                    statement = f'{COMMANDS[vacuum, analyze]} "{schema}"."{name}"'
                    connection.execute(text(statement))
                    done.append(statement)
