"""The scheduler service: one node of several holds the lock and runs the batches, on both stores."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

from gateway.bootstrap import System
from gateway.scheduler import (
    FileSchedulerLock,
    PostgresSchedulerLock,
    SchedulerService,
    scheduler_lock,
)
from tests.schedules.fakes import recording_jobs

START = dt.date(2026, 11, 17)  # the test clock says 2026-11-20 09:30 ET: interest of 17, 18, 19 is due


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_only_one_of_two_schedulers_on_one_store_holds_the_lock(system: System) -> None:
    first, second = scheduler_lock(system), scheduler_lock(system)
    expected = PostgresSchedulerLock if system.engine.dialect.name == "postgresql" else FileSchedulerLock
    assert isinstance(first, expected)
    assert first.try_acquire()
    assert first.try_acquire()  # taking it again while held keeps it
    assert not second.try_acquire()
    assert (first.is_held(), second.is_held()) == (True, False)
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


def test_a_lock_whose_postgresql_session_died_is_free_for_another_node(
    system: System, postgres_admin: Engine | None
) -> None:
    if system.engine.dialect.name != "postgresql" or postgres_admin is None:
        return  # a SQLite file lock dies with its process, which the kernel sees to
    first, second = PostgresSchedulerLock(system.engine), PostgresSchedulerLock(system.engine)
    assert first.try_acquire()
    with system.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    with postgres_admin.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND classid = 7301 AND objid::int = hashtext(:schema)"
            ),
            {"schema": schema},
        )
    wait_for(second.try_acquire)
    assert not first.is_held()
    second.release()


def test_two_scheduler_services_run_each_due_batch_once_and_the_standby_takes_over(system: System) -> None:
    jobs, calls = recording_jobs("interest")
    services = [SchedulerService(system, start_date=START, tick_seconds=0.1, jobs=jobs) for _ in range(2)]
    for service in services:
        service.start()
    try:
        wait_for(lambda: len(calls) == 3)
        time.sleep(0.5)  # several more ticks on both nodes: nothing runs twice
        assert calls == [("interest", START + dt.timedelta(days=n)) for n in range(3)]
        holders = [service for service in services if service.holds_lock]
        assert len(holders) == 1
        standby = next(service for service in services if service is not holders[0])
        holders[0].stop()
        wait_for(lambda: standby.holds_lock)
        assert len(calls) == 3
    finally:
        for service in services:
            service.stop()
