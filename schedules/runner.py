"""Running one batch for one business date, exactly once (schedules layer).

`run_batch` is what `carm-gateway batch run` and the scheduler call. In one unit of work (BEGIN IMMEDIATE on
SQLite, where a batch is a writer from its first statement) it records the attempt (`ledger.batches`), runs
the job, marks the attempt succeeded and commits: the work and its record stand or fall together. A date
already done is a no-op (None) unless forced. When the job raises, its transaction is rolled back, a `failed`
attempt is recorded in a transaction of its own, and `BatchFailed` tells the caller in one sentence. Each
batch logs `batch.started`, then `batch.completed` (counts, duration) or `batch.failed`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Protocol

import structlog

from domain.clock import Clock
from domain.errors import DomainError
from ledger.batches import BatchRuns
from ledger.errors import LedgerError, StoreUnavailable
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.errors import BatchFailed, ScheduleError, UnknownJob
from schedules.jobs import JOBS
from schedules.report import BatchJob, BatchReport

log: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(__name__)

# Errors our own code raises on purpose, with a sentence for the operator; anything else is a bug and is
# logged with its traceback.
_EXPECTED = (ScheduleError, LedgerError, DomainError)


class BatchSystem(Protocol):
    """What running a batch needs of the wired system (`gateway.bootstrap.System` is one)."""

    @property
    def clock(self) -> Clock: ...

    def unit_of_work(self, *, immediate: bool = False) -> SqlAlchemyUnitOfWork: ...


def find_job(name: str, jobs: Mapping[str, BatchJob] = JOBS) -> BatchJob:
    """The job registered as `name`.

    Raises:
        UnknownJob: no job has that name.
    """
    try:
        return jobs[name]
    except KeyError:
        raise UnknownJob(f"There is no batch named {name!r} (batches: {', '.join(sorted(jobs))}).") from None


def run_batch(
    system: BatchSystem,
    name: str,
    business_date: dt.date,
    force: bool = False,
    *,
    jobs: Mapping[str, BatchJob] = JOBS,
) -> BatchReport | None:
    """Run batch `name` for `business_date`; None when it was already done (and not forced).

    Raises:
        UnknownJob: no job has that name.
        BatchFailed: the job failed; nothing it did was kept, and the failure is recorded.
    """
    job = find_job(name, jobs)
    started_at, began = system.clock.now(), time.monotonic()
    bound = log.bind(job=name, business_date=business_date.isoformat())
    try:
        report = _run(system, name, job, business_date, force)
    except Exception as error:  # the per-batch boundary: any failure is recorded and reported, never lost
        reason = str(error) if isinstance(error, _EXPECTED) else f"{type(error).__name__}: {error}"
        _record_failure(system, name, business_date, started_at, reason)
        bound.error(
            "batch.failed", error=reason, duration_ms=_ms(began), exc_info=not isinstance(error, _EXPECTED)
        )
        raise BatchFailed(f"Batch {name} for {business_date} failed: {reason.rstrip('.')}.") from error
    if report is None:
        bound.info("batch.already_done")
        return None
    bound.info("batch.completed", counts=report.counts, duration_ms=_ms(began))
    return report


def _run(
    system: BatchSystem, name: str, job: BatchJob, business_date: dt.date, force: bool
) -> BatchReport | None:
    with system.unit_of_work(immediate=True) as uow:
        runs = BatchRuns(uow.connection, system.clock)
        run = runs.start(name, business_date, force=force)
        if run is None:
            return None
        log.info("batch.started", job=name, business_date=business_date.isoformat(), attempt=run.attempt)
        report = job(business_date, uow)
        runs.succeed(run, report.summary())
        uow.commit()
    return report


def _record_failure(
    system: BatchSystem, name: str, business_date: dt.date, started_at: dt.datetime, reason: str
) -> None:
    try:
        with system.unit_of_work(immediate=True) as uow:
            BatchRuns(uow.connection, system.clock).fail(
                name, business_date, started_at=started_at, error=reason
            )
            uow.commit()
    except StoreUnavailable:
        # The store is down: the run left nothing behind and will be due again when it is back.
        log.warning("batch.failure_not_recorded", job=name, business_date=business_date.isoformat())


def _ms(began: float) -> int:
    return round((time.monotonic() - began) * 1000)
