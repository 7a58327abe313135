"""The record of batch runs: whether a batch ran for a business date (ledger layer).

DESIGN.md "Batches": *whether* a run happened lives in `batch_run(job, business_date, attempt)`. A
(job, business date) with a `succeeded` row is done; running it again is a no-op unless forced, which adds
a new attempt. `start` inserts the attempt as `running` in the caller's unit of work, the job does its work
in the same one, and `succeed` marks the row: they commit together, so a crash leaves neither the work nor a
record (the run is simply done again), and a `running` row is never seen by anyone else. When the job fails,
that transaction is rolled back and `fail` records a `failed` attempt with the error in a transaction of
its own. Two processes starting the same run wait for each other: SQLite has one writer at a time (the
runner begins with BEGIN IMMEDIATE), PostgreSQL takes a transaction-scoped advisory lock per (job, date).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlalchemy import Connection, func, select, text

from domain.clock import Clock
from ledger.schema import batch_run

# The first key of PostgreSQL's two-key advisory locks taken for batch runs (a space of its own: the
# journal's per-account locks use the one-key form).
BATCH_LOCK_CLASS: Final = 7302
MAX_DETAIL: Final = 4000  # characters of an error or summary kept in batch_run.detail


class RunStatus(StrEnum):
    RUNNING = "running"  # only ever seen inside the run's own transaction
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchRun:
    """An attempt in progress, as `start` recorded it."""

    id: int
    job: str
    business_date: dt.date
    attempt: int
    started_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class JobProgress:
    """How far a job has come: its latest business date done, and when it last failed (if it did)."""

    last_succeeded: dt.date | None
    last_failed_at: dt.datetime | None


class BatchRuns:
    """Repository of batch runs, inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def start(self, job: str, business_date: dt.date, *, force: bool = False) -> BatchRun | None:
        """Record a new attempt of `job` for `business_date`; None when it is done (and not forced)."""
        self._lock(job, business_date)
        rows = self._connection.execute(
            select(batch_run.c.attempt, batch_run.c.status).where(
                batch_run.c.job == job, batch_run.c.business_date == business_date
            )
        ).all()
        if not force and any(row.status == RunStatus.SUCCEEDED for row in rows):
            return None
        run = BatchRun(
            id=0,
            job=job,
            business_date=business_date,
            attempt=max((row.attempt for row in rows), default=0) + 1,
            started_at=self._now(),
        )
        insert = batch_run.insert().values(
            job=run.job,
            business_date=run.business_date,
            attempt=run.attempt,
            status=RunStatus.RUNNING.value,
            started_at=run.started_at,
        )
        run_id = self._connection.execute(insert.returning(batch_run.c.id)).scalar_one()
        return dataclasses.replace(run, id=int(run_id))

    def succeed(self, run: BatchRun, detail: str) -> None:
        """Mark the attempt `succeeded`; it commits with the job's work."""
        self._connection.execute(
            batch_run.update()
            .where(batch_run.c.id == run.id)
            .values(status=RunStatus.SUCCEEDED.value, finished_at=self._now(), detail=detail[:MAX_DETAIL])
        )

    def fail(self, job: str, business_date: dt.date, *, started_at: dt.datetime, error: str) -> None:
        """Record a `failed` attempt (in a unit of work of its own: the run's was rolled back)."""
        self._lock(job, business_date)
        last = self._connection.execute(
            select(func.max(batch_run.c.attempt)).where(
                batch_run.c.job == job, batch_run.c.business_date == business_date
            )
        ).scalar()
        values = {
            "job": job,
            "business_date": business_date,
            "attempt": int(last or 0) + 1,
            "status": RunStatus.FAILED.value,
            "started_at": started_at.astimezone(dt.UTC),
            "finished_at": self._now(),
            "detail": error[:MAX_DETAIL],
        }
        self._connection.execute(batch_run.insert().values(values))

    def progress(self, job: str) -> JobProgress:
        """The latest business date `job` succeeded for, and when it last failed."""
        succeeded = select(func.max(batch_run.c.business_date)).where(
            batch_run.c.job == job, batch_run.c.status == RunStatus.SUCCEEDED.value
        )
        failed = select(func.max(batch_run.c.finished_at)).where(
            batch_run.c.job == job, batch_run.c.status == RunStatus.FAILED.value
        )
        last_failed_at = self._connection.execute(failed).scalar()
        return JobProgress(
            last_succeeded=self._connection.execute(succeeded).scalar(),
            last_failed_at=_aware(last_failed_at) if last_failed_at is not None else None,
        )

    def _now(self) -> dt.datetime:
        return self._clock.now().astimezone(dt.UTC)

    def _lock(self, job: str, business_date: dt.date) -> None:
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(
                text("SELECT pg_advisory_xact_lock(:class, hashtext(:key))"),
                {"class": BATCH_LOCK_CLASS, "key": f"{job}:{business_date.isoformat()}"},
            )


def _aware(moment: dt.datetime) -> dt.datetime:
    """A stored instant as an aware datetime: SQLite hands back the UTC wall time without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
