"""Batch runs recorded in batch_run, on both stores: done once, forced again, failed and rerun."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gateway.bootstrap import System
from ledger.batches import BatchRuns
from ledger.schema import batch_run
from schedules.errors import BatchFailed, UnknownJob
from schedules.runner import run_batch
from tests.schedules.fakes import recording_jobs

DAY = dt.date(2025, 8, 1)


def runs(system: System) -> list[tuple[str, dt.date, int, str]]:
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(
                batch_run.c.job, batch_run.c.business_date, batch_run.c.attempt, batch_run.c.status
            ).order_by(batch_run.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def journal_count(system: System) -> int:
    with system.unit_of_work() as uow:
        return uow.journal.count()


def test_a_batch_run_twice_is_done_once(system: System) -> None:
    jobs, calls = recording_jobs("interest")
    report = run_batch(system, "interest", DAY, jobs=jobs)
    assert report is not None and report.summary() == "interest for 2025-08-01: 1 markers, 1 entries, 1 cents"
    assert run_batch(system, "interest", DAY, jobs=jobs) is None
    assert calls == [("interest", DAY)]
    assert runs(system) == [("interest", DAY, 1, "succeeded")]
    assert journal_count(system) == 1


def test_force_runs_a_done_batch_again_as_a_new_attempt(system: System) -> None:
    jobs, calls = recording_jobs("interest")
    run_batch(system, "interest", DAY, jobs=jobs)
    assert run_batch(system, "interest", DAY, force=True, jobs=jobs) is not None
    assert calls == [("interest", DAY), ("interest", DAY)]
    assert runs(system) == [("interest", DAY, 1, "succeeded"), ("interest", DAY, 2, "succeeded")]


def test_a_failed_run_keeps_none_of_its_work_records_failed_and_can_be_rerun(system: System) -> None:
    jobs, calls = recording_jobs("interest")
    jobs["interest"].failing.add(DAY)
    with pytest.raises(BatchFailed, match=r"^Batch interest for 2025-08-01 failed: RuntimeError: interest"):
        run_batch(system, "interest", DAY, jobs=jobs)
    assert journal_count(system) == 0  # the job posted its marker, and it was rolled back
    assert runs(system) == [("interest", DAY, 1, "failed")]
    with system.unit_of_work() as uow:
        detail = uow.connection.execute(select(batch_run.c.detail)).scalar_one()
    assert detail == "RuntimeError: interest cannot run for 2025-08-01"

    jobs["interest"].failing.clear()
    assert run_batch(system, "interest", DAY, jobs=jobs) is not None
    assert runs(system) == [("interest", DAY, 1, "failed"), ("interest", DAY, 2, "succeeded")]
    assert journal_count(system) == 1
    assert len(calls) == 2


def test_the_progress_of_a_job_is_its_last_date_done_and_its_last_failure(system: System) -> None:
    jobs, _ = recording_jobs("interest")
    run_batch(system, "interest", DAY, jobs=jobs)
    jobs["interest"].failing.add(DAY + dt.timedelta(days=1))
    with pytest.raises(BatchFailed):
        run_batch(system, "interest", DAY + dt.timedelta(days=1), jobs=jobs)
    with system.unit_of_work() as uow:
        progress = BatchRuns(uow.connection, system.clock).progress("interest")
    assert progress.last_succeeded == DAY
    assert progress.last_failed_at == system.clock.now()


def test_runs_of_other_jobs_and_dates_are_separate(system: System) -> None:
    jobs, calls = recording_jobs("interest", "statements")
    for name, day in [("interest", DAY), ("statements", DAY), ("interest", DAY + dt.timedelta(days=1))]:
        assert run_batch(system, name, day, jobs=jobs) is not None
    assert len(calls) == 3


def test_an_unknown_batch_is_refused_naming_the_known_ones(system: System) -> None:
    jobs, _ = recording_jobs("interest")
    with pytest.raises(UnknownJob, match=r"no batch named 'nightly' \(batches: interest\)"):
        run_batch(system, "nightly", DAY, jobs=jobs)
    assert runs(system) == []
