"""Crash safety: daemons SIGKILLed at random points, and at each named point of a file, while files are
processed; restarted, every file is answered exactly once and nothing is posted twice.

SQLite runs one daemon (a single writer); PostgreSQL one and two daemons sharing the queue.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gateway.bootstrap import System
from ledger.files import FileStatus
from tests.conftest import Store
from tests.faults.checks import (
    assert_all_or_nothing,
    assert_answered_exactly_once,
    assert_ledger_verified_and_balanced,
    file_states,
    journal_keys,
)
from tests.faults.daemons import Gateways, gateways, processed_file_ids
from tests.faults.kill_point_gateway import KILL_POINTS
from tests.faults.rounds import kill_until_done, postgresql_phase, sqlite_phase
from tests.faults.stores import wait_until_disconnected
from tests.faults.workload import PlannedFile, plan_files, upload

SEED = 20250620
IDLE_POLLS = 0.5  # seconds a final clean run is left polling an empty queue


def clean_run(started: Gateways, names: list[str]) -> list[int]:
    """Start the daemons once more, let them poll, stop them with SIGTERM; the files they processed."""
    final = [started.start(name) for name in names]
    for gateway in final:
        gateway.wait_for("daemon.started")
    time.sleep(IDLE_POLLS)
    assert [gateway.stop() for gateway in final] == [0] * len(final), [g.stderr() for g in final]
    return processed_file_ids([gateway.log for gateway in final])


@pytest.mark.parametrize(
    ("store", "daemons"), [("sqlite", 1), ("postgresql", 1), ("postgresql", 2)], indirect=["store"]
)
def test_daemons_killed_at_random_points_answer_every_file_once_and_post_every_entry_once(
    store: Store, daemons: int, registered: System, tmp_path: Path, postgres_admin: Engine | None
) -> None:
    plan = upload(registered, plan_files(SEED))
    names = ["a", "b"][:daemons]
    with gateways(tmp_path, store.url) as started:
        snapshot = sqlite_phase(store.url)
        if store.backend == "postgresql" and postgres_admin is not None:
            snapshot = postgresql_phase(postgres_admin, started.application_name)
        report = kill_until_done(started, names, store.engine, plan, seed=SEED + daemons, snapshot=snapshot)
        assert clean_run(started, names) == []
    print(f"\n{store.backend}, {daemons} daemon(s): {report.summary()}")
    assert report.rounds >= 8
    assert sum(k.in_transaction for k in report.kills) >= len(report.kills) // 2, report.summary()
    assert max(Counter(processed_file_ids(started.logs())).values()) == 1  # no file processed twice
    assert_answered_exactly_once(store.engine, plan)
    assert_ledger_verified_and_balanced(store.url, plan, tmp_path)


def victim(seed: int) -> PlannedFile:
    """A file with an original and its correction: two entries to post, then CONTRL and CUSRES."""
    return next(f for f in plan_files(seed) if f.owed_cents and any(k.endswith(":2") for k in f.postings))


def _assert_untouched(engine: Engine, file_id: int, point: str) -> None:
    state = file_states(engine)[file_id]
    assert (state.status, state.attempts, state.responses) == (FileStatus.RECEIVED.value, 0, Counter()), point
    assert journal_keys(engine) == Counter(), point


def test_a_kill_at_each_point_of_a_file_leaves_it_untouched_until_the_commit_and_answered_once_after(
    store: Store, registered: System, tmp_path: Path, postgres_admin: Engine | None
) -> None:
    planned = victim(SEED)
    plan = upload(registered, [planned])
    (file_id,) = plan
    with gateways(tmp_path, store.url) as started:
        for point in KILL_POINTS:
            daemon = started.start(point, kill_point=point)
            assert daemon.process.wait(timeout=60) == -signal.SIGKILL, daemon.stderr()
            assert daemon.stderr().endswith(f"killed at {point}\n"), daemon.stderr()
            if store.backend == "postgresql" and postgres_admin is not None:
                wait_until_disconnected(postgres_admin, started.application_name(point))
            assert processed_file_ids([daemon.log]) == [], point
            if point == "committed":
                assert assert_all_or_nothing(store.engine, plan) == 1
            else:
                _assert_untouched(store.engine, file_id, point)
        assert clean_run(started, ["clean"]) == []  # answered at the last kill, never processed again
    assert_answered_exactly_once(store.engine, plan)
    assert_ledger_verified_and_balanced(store.url, plan, tmp_path)
