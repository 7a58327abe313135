"""Catch-up after downtime on both stores, the clock stopped: exactly the missed runs, in order, once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from domain.clock import FixedClock
from gateway.bootstrap import System
from schedules.catch_up import RETRY_FAILED_AFTER, catch_up
from schedules.runner import run_batch
from tests.schedules.fakes import recording_jobs

TORONTO = ZoneInfo("America/Toronto")
MONDAY_NOON = dt.datetime(2025, 3, 10, 12, 0, tzinfo=TORONTO)  # the day after the spring DST change


def at(system: System, instant: dt.datetime) -> System:
    return dataclasses.replace(system, clock=FixedClock(instant))


def day(n: int) -> dt.date:
    return dt.date(2025, 3, n)


def test_catch_up_after_downtime_runs_exactly_the_missed_runs_in_order(system: System) -> None:
    jobs, calls = recording_jobs("interest", "daily-notices", "statements")
    before = at(system, dt.datetime(2025, 3, 6, 1, 0, tzinfo=TORONTO))
    for name in ("interest", "daily-notices"):
        run_batch(before, name, day(5), jobs=jobs)  # done on Thursday; then the node was down until Monday
    calls.clear()

    ran = catch_up(at(system, MONDAY_NOON), start_date=day(6), jobs=jobs)

    expected = [
        ("interest", day(6)),  # fired Fri 7 00:15
        ("daily-notices", day(6)),  # Fri 7 00:30
        ("interest", day(7)),  # Sat 8 00:15
        ("daily-notices", day(7)),  # Sat 8 00:30 (no notices on Sunday or Monday)
        ("interest", day(8)),  # Sun 9 00:15 EST
        ("interest", day(9)),  # Mon 10 00:15 EDT
    ]
    assert calls == expected
    assert [(run.job, run.business_date) for run in ran] == expected
    assert catch_up(at(system, MONDAY_NOON), start_date=day(6), jobs=jobs) == []
    assert len(calls) == len(expected)


def test_a_failed_run_holds_back_its_own_job_only_and_is_retried_later(system: System) -> None:
    jobs, calls = recording_jobs("interest", "daily-notices")
    jobs["interest"].failing.add(day(7))
    catch_up(at(system, MONDAY_NOON), start_date=day(6), jobs=jobs)
    assert calls == [
        ("interest", day(6)),
        ("daily-notices", day(6)),
        ("interest", day(7)),  # failed: 8 and 9 wait for it
        ("daily-notices", day(7)),
    ]

    calls.clear()
    jobs["interest"].failing.clear()
    assert catch_up(at(system, MONDAY_NOON + dt.timedelta(minutes=5)), start_date=day(6), jobs=jobs) == []
    later = MONDAY_NOON + RETRY_FAILED_AFTER + dt.timedelta(seconds=1)
    catch_up(at(system, later), start_date=day(6), jobs=jobs)
    assert calls == [("interest", day(7)), ("interest", day(8)), ("interest", day(9))]


def test_with_no_run_and_no_start_date_only_what_falls_due_from_today_runs(system: System) -> None:
    jobs, calls = recording_jobs("interest", "daily-notices")
    catch_up(at(system, MONDAY_NOON), jobs=jobs)
    assert calls == [("interest", day(9))]  # due today at 00:15; nothing older is back-filled
    catch_up(at(system, dt.datetime(2025, 3, 11, 1, 0, tzinfo=TORONTO)), jobs=jobs)
    assert calls == [("interest", day(9)), ("interest", day(10)), ("daily-notices", day(10))]


def test_the_window_starts_after_the_last_success_when_that_is_later_than_the_start_date(
    system: System,
) -> None:
    jobs, calls = recording_jobs("interest")
    run_batch(system, "interest", day(8), jobs=jobs)
    calls.clear()
    catch_up(at(system, MONDAY_NOON), start_date=day(1), jobs=jobs)
    assert calls == [("interest", day(9))]


def test_catch_up_of_one_job_leaves_the_others(system: System) -> None:
    jobs, calls = recording_jobs("interest", "daily-notices")
    catch_up(at(system, MONDAY_NOON), start_date=day(9), jobs=jobs, only="interest")
    assert calls == [("interest", day(9))]


def test_jobs_that_are_not_registered_are_not_scheduled(system: System) -> None:
    jobs, calls = recording_jobs("statements")
    catch_up(at(system, MONDAY_NOON), start_date=dt.date(2025, 1, 1), jobs=jobs)
    assert calls == [("statements", dt.date(2025, 1, 25)), ("statements", dt.date(2025, 2, 25))]
