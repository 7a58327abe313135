"""Batch jobs for the tests of the runner and the scheduler (test helper): they record what they were asked
to do, yield one entry to post each so that their work can be seen committed or rolled back, and fail on
demand (after yielding it, so the entry is in the chunk that the failure rolls back)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from domain.journal import EntryKind, JournalEntry, JournalLine
from ledger.statements import AccountRange
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.errors import BatchFailed
from schedules.report import AccountWork, BatchReport
from schedules.runner import BatchSystem, run_batch

ACCOUNT = "123456782RM0001"


@dataclass
class RecordingJob:
    """A batch job that posts a one-cent marker entry per run and remembers the dates it ran for."""

    name: str
    calls: list[tuple[str, dt.date]]  # shared between jobs, to see the order across jobs
    failing: set[dt.date] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, day: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange
    ) -> Iterator[AccountWork]:
        with self.lock:
            self.calls.append((self.name, day))
        attempt = sum(1 for name, seen in self.calls if (name, seen) == (self.name, day))
        yield AccountWork(account=ACCOUNT, entries=(marker(self.name, day, attempt),), counts={"markers": 1})
        if day in self.failing:
            raise RuntimeError(f"{self.name} cannot run for {day}")


def marker(job: str, day: dt.date, attempt: int) -> JournalEntry:
    return JournalEntry(
        account=ACCOUNT,
        idempotency_key=f"test:{job}:{day}:{attempt}",
        kind=EntryKind.PENALTY,
        business_date=day,
        lines=(
            JournalLine(ledger_account="TEST:DEBIT", debit_cents=1),
            JournalLine(ledger_account="TEST:CREDIT", credit_cents=1),
        ),
    )


def run_job(system: BatchSystem, name: str, day: dt.date) -> BatchReport:
    """Run job `name` for `day` through the real runner, forced (a rerun runs again); a failure raises the
    job's own error, not the runner's `BatchFailed` around it."""
    try:
        report = run_batch(system, name, day, force=True)
    except BatchFailed as failed:
        assert failed.__cause__ is not None
        raise failed.__cause__ from None
    assert report is not None
    return report


def recording_jobs(*names: str) -> tuple[dict[str, RecordingJob], list[tuple[str, dt.date]]]:
    calls: list[tuple[str, dt.date]] = []
    return {name: RecordingJob(name, calls) for name in names}, calls
