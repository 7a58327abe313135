"""Scale-out (DESIGN.md "Processing and scale-out"): two daemons on one PostgreSQL share the queue, and
every file is processed by exactly one of them — as their own logs tell, one `file.processed` per file."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from gateway.bootstrap import System
from ledger.files import FileStatus
from tests.conftest import Store
from tests.faults.checks import assert_answered_exactly_once, assert_ledger_verified_and_balanced, file_states
from tests.faults.daemons import gateways, processed_file_ids
from tests.faults.stores import ON_POSTGRESQL
from tests.faults.workload import plan_files, upload

FILES = 60
TIMEOUT = 90.0


def wait_until_all_done(engine: Engine) -> None:
    deadline = time.monotonic() + TIMEOUT
    while any(state.status != FileStatus.DONE.value for state in file_states(engine).values()):
        assert time.monotonic() < deadline, "files still waiting"
        time.sleep(0.02)


@ON_POSTGRESQL
def test_two_daemons_on_one_postgresql_share_the_files_and_each_file_is_processed_by_exactly_one(
    store: Store, registered: System, tmp_path: Path
) -> None:
    with gateways(tmp_path, store.url) as started:
        daemons = [started.start(name) for name in ("a", "b")]
        for daemon in daemons:
            daemon.wait_for("daemon.started")
        plan = upload(registered, plan_files(7, FILES))  # both are polling when the files arrive
        wait_until_all_done(store.engine)
        assert [daemon.stop() for daemon in daemons] == [0, 0], [d.stderr() for d in daemons]
    by_a, by_b = (processed_file_ids([daemon.log]) for daemon in daemons)
    print(f"\ndaemon a processed {len(by_a)} files, daemon b {len(by_b)}")
    assert sorted(by_a + by_b) == sorted(plan)  # each file once, by one daemon or the other
    assert by_a and by_b  # both did some of the work
    assert_answered_exactly_once(store.engine, plan)
    assert_ledger_verified_and_balanced(store.url, plan, tmp_path)
