"""A kill inside one long transaction — after the file's first entries are posted, before its responses are
written — rolls back postings and responses together; restarted, the file is answered once.

The real console script, unmodified: the file is 500 lines (five CADs of 100), so its transaction lasts long
enough to be caught in the act — on PostgreSQL holding the journal's advisory lock (taken by the first
posting, released only by the commit), on SQLite holding the write lock for many probes in a row.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select

from gateway.bootstrap import System
from ledger.files import FileStatus
from ledger.schema import interchange_seen
from tests.conftest import Store
from tests.faults.checks import (
    assert_answered_exactly_once,
    assert_ledger_verified_and_balanced,
    file_states,
    journal_keys,
)
from tests.faults.daemons import Gateway, Gateways, gateways, processed_file_ids
from tests.faults.rounds import postgresql_phase, sqlite_phase
from tests.faults.stores import posting_in_progress, sqlite_write_locked, wait_until_disconnected
from tests.faults.workload import PlannedFile, long_file, upload
from tests.gateway.cad_files import IMPORTER

CADS, LINES = 5, 100
TIMEOUT = 60.0
# Consecutive SQLite probes, a millisecond apart, that must find the write lock held: an empty poll of the
# queue holds it for far less.
LOCKED_PROBES = 5


def wait_until_done(engine: Engine, file_id: int) -> float:
    """Seconds until the file is DONE."""
    began = time.monotonic()
    while file_states(engine)[file_id].status != FileStatus.DONE.value:
        assert time.monotonic() - began < TIMEOUT, f"file {file_id} not answered"
        time.sleep(0.005)
    return time.monotonic() - began


def wait_until_inside(store: Store, admin: Engine | None, started: Gateways, daemon: Gateway) -> None:
    """Wait until the daemon is inside the file's transaction: posting (PostgreSQL) or holding the lock."""
    deadline, locked = time.monotonic() + TIMEOUT, 0
    while time.monotonic() < deadline:
        if store.backend == "postgresql" and admin is not None:
            if posting_in_progress(admin, started.application_name(daemon.name), IMPORTER):
                return
        else:
            locked = locked + 1 if sqlite_write_locked(store.url) else 0
            if locked >= LOCKED_PROBES:
                return
        time.sleep(0.001)
    raise AssertionError("the daemon never started on the long file")


def control_references_seen(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(interchange_seen.c.control_reference)).scalars())


def test_a_kill_inside_a_long_transaction_leaves_no_entry_and_no_response_and_a_restart_answers_once(
    store: Store, registered: System, tmp_path: Path, postgres_admin: Engine | None
) -> None:
    timed = upload(registered, [long_file("LONG1", cads=CADS, lines=LINES, first_sequence=4_700_000)])
    planned: PlannedFile = long_file("LONG2", cads=CADS, lines=LINES, first_sequence=4_800_000)
    with gateways(tmp_path, store.url) as started:
        daemon = started.start("a")
        daemon.wait_for("daemon.started")
        duration = wait_until_done(store.engine, next(iter(timed)))  # how long such a file takes
        plan = upload(registered, [planned])
        (file_id,) = plan
        snapshot = sqlite_phase(store.url)
        if store.backend == "postgresql" and postgres_admin is not None:
            snapshot = postgresql_phase(postgres_admin, started.application_name)
        began = time.monotonic()
        wait_until_inside(store, postgres_admin, started, daemon)
        phase = snapshot(daemon)
        daemon.kill()
        killed_after = time.monotonic() - began
        state = file_states(store.engine)[file_id]
        assert (state.status, state.responses) == (FileStatus.RECEIVED.value, Counter())
        assert not set(planned.postings) & set(journal_keys(store.engine))
        assert "LONG2" not in control_references_seen(store.engine)
        assert file_id not in processed_file_ids([daemon.log])
        if store.backend == "postgresql" and postgres_admin is not None:
            wait_until_disconnected(postgres_admin, started.application_name("a"))
        restarted = started.start("a")
        wait_until_done(store.engine, file_id)
        assert restarted.stop() == 0
    if store.backend == "postgresql":  # its entries posted, its responses not yet written
        assert phase.endswith(("after posting", "after recording the version")), phase
    print(
        f"\n{store.backend}: a 500-line file takes {duration:.2f} s; killed {killed_after:.2f} s after upload"
    )
    print(f"{store.backend}: just before the kill: {phase}")
    assert processed_file_ids(started.logs()) == [*timed, file_id]
    assert_answered_exactly_once(store.engine, {**timed, **plan})
    assert_ledger_verified_and_balanced(store.url, {**timed, **plan}, tmp_path)
