"""Catching up on the batches that fell due (schedules layer): every (job, business date) whose cron fired
since the job's last success and that is not done yet runs, in the order they fell due, exactly once.

DESIGN.md "Batches": a restart after downtime runs exactly the missed runs. For each job the window starts
the day after the last business date it succeeded for, or at the configured start date when that is later
or the job never succeeded; with neither, at yesterday: a new installation runs for business dates from
yesterday on (what falls due today) and back-fills nothing older, unless given a start date. The window
ends now, in Eastern time on the clock's business date (`schedules.calendar.business_now`). A job whose run
fails stops there for this pass, since its later dates may build on it (interest compounds), and is tried
again once `RETRY_FAILED_AFTER` has passed; the other jobs go on. Exactly once is the batch record's doing
(`ledger.batches`): a run already done is a no-op, whoever asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Final

from domain.calendar import ONE_DAY
from ledger.batches import BatchRuns, JobProgress
from schedules.calendar import SCHEDULES, PlannedRun, Schedule, business_now, in_due_order, planned_runs
from schedules.errors import BatchFailed
from schedules.jobs import JOBS
from schedules.report import BatchJob
from schedules.runner import BatchSystem, run_batch

# A failed job is not tried again before this: a missing rate file fails the same way every minute.
RETRY_FAILED_AFTER: Final = dt.timedelta(minutes=30)


def first_date(progress: JobProgress, start_date: dt.date | None, today: dt.date) -> dt.date:
    """The first business date a job's catch-up considers (see the module docstring)."""
    after_last = progress.last_succeeded + ONE_DAY if progress.last_succeeded else None
    return max((day for day in (after_last, start_date) if day is not None), default=today - ONE_DAY)


def due_runs(
    system: BatchSystem, *, start_date: dt.date | None, schedules: Sequence[Schedule]
) -> list[PlannedRun]:
    """The runs of `schedules` that fell due and are not known done, in the order they fell due."""
    now, until = system.clock.now(), business_now(system.clock)
    runs: list[PlannedRun] = []
    with system.unit_of_work() as uow:
        batch_runs = BatchRuns(uow.connection, system.clock)
        for schedule in schedules:
            progress = batch_runs.progress(schedule.job)
            if progress.last_failed_at is not None and now - progress.last_failed_at < RETRY_FAILED_AFTER:
                continue
            runs += planned_runs(schedule, first_date(progress, start_date, until.date()), until)
    return in_due_order(runs, schedules)


def catch_up(
    system: BatchSystem,
    *,
    start_date: dt.date | None = None,
    jobs: Mapping[str, BatchJob] = JOBS,
    schedules: Sequence[Schedule] = SCHEDULES,
    only: str | None = None,
) -> list[PlannedRun]:
    """Run every due run of the registered jobs (or of job `only`) not done yet; the runs that succeeded."""
    chosen = [s for s in schedules if s.job in jobs and (only is None or s.job == only)]
    succeeded: list[PlannedRun] = []
    failed: set[str] = set()
    for run in due_runs(system, start_date=start_date, schedules=chosen):
        if run.job in failed:
            continue
        try:
            report = run_batch(system, run.job, run.business_date, jobs=jobs)
        except BatchFailed:
            failed.add(run.job)  # logged and recorded by run_batch; this job's later dates wait
            continue
        if report is not None:
            succeeded.append(run)
    return succeeded
