"""Running one batch for one business date, exactly once, a chunk of accounts at a time (schedules layer).

`run_batch` is what `carm-gateway batch run` and the scheduler call. It records the attempt in a transaction
of its own (`ledger.batches`: a new one, or the one a killed run left `running`, resumed after its last
chunk), then reads the ledger in one read-only transaction — on PostgreSQL REPEATABLE READ, so every query of
the run sees one snapshot and a statement's opening, movements and closing agree even while CADs are posted
— and applies the job's work `CHUNK_ACCOUNTS` accounts at a time, each chunk in a transaction (BEGIN
IMMEDIATE on SQLite) that also records how far the run has come. The attempt is marked succeeded after the
last chunk. So a batch holds at most one chunk's locks (the journal takes an advisory lock per account on
PostgreSQL), memory stays flat, and a run killed anywhere resumes where it stopped: each chunk is committed
with its progress or not at all, and a file or entry already there with the same content is counted
`unchanged` (a forced rerun), with other content refused (`IdempotencyConflict`). A date already done is a
no-op (None) unless forced. When the job raises, the chunk in hand is rolled back (the chunks before it
stay: their files and entries are right and a rerun finds them unchanged), the attempt is marked `failed`,
and `BatchFailed` tells the caller in one sentence. When the store goes away (`StoreUnavailable`) the
attempt is left `running`, not failed: the next run — the scheduler's next tick, or the operator's — resumes
it after its last chunk. Each batch logs `batch.started`, then
`batch.completed` (counts, duration) or `batch.failed`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import closing
from itertools import islice
from typing import Final, Protocol

import structlog

from domain.clock import Clock
from domain.errors import DomainError
from ledger.batches import BatchRun, BatchRuns, deliver_files
from ledger.errors import LedgerError, StoreUnavailable
from ledger.journal import PostOutcome
from ledger.statements import AccountRange, Statements
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.errors import BatchFailed, ScheduleError, UnknownJob
from schedules.jobs import JOBS, READ_IN_RANGES
from schedules.processes import export_snapshot, read_one_snapshot, works_in_processes
from schedules.report import UNDELIVERABLE, AccountWork, BatchJob, BatchReport

log: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(__name__)

# Accounts whose work one transaction applies: a few hundred advisory locks on PostgreSQL (well inside the
# default lock table of 64 × max_connections), some hundreds of kilobytes of files.
CHUNK_ACCOUNTS: Final = 500

# Errors our own code raises on purpose, with a sentence for the operator; anything else is a bug and is
# logged with its traceback.
_EXPECTED = (ScheduleError, LedgerError, DomainError)


class BatchSystem(Protocol):
    """What running a batch needs of the wired system (`gateway.bootstrap.System` is one)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def batch_processes(self) -> int:
        """How many worker processes may read a batch's work (PostgreSQL; 1: the runner's own)."""
        ...

    def unit_of_work(self, *, immediate: bool = False) -> SqlAlchemyUnitOfWork: ...


class _TakenOver(Exception):
    """Another process moved the attempt on (or ended it) while this one worked on it."""


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
    chunk_accounts: int = CHUNK_ACCOUNTS,
) -> BatchReport | None:
    """Run batch `name` for `business_date`; None when it was already done (and not forced), or another
    process finished it while this one worked.

    Raises:
        UnknownJob: no job has that name.
        BatchFailed: the job failed (its chunk in hand rolled back, the failure recorded), or the store went
            away (the attempt left running, to be resumed).
    """
    job = find_job(name, jobs)
    started_at, began = system.clock.now(), time.monotonic()
    bound = log.bind(job=name, business_date=business_date.isoformat())
    runner = _Runner(system, name, business_date, chunk_accounts)
    try:
        report = runner.run(job, force)
    except _TakenOver:
        bound.info("batch.taken_over")
        return None
    except StoreUnavailable as error:  # infrastructure: resumed later, not failed (DESIGN.md "Errors")
        bound.warning("batch.interrupted", error=str(error), duration_ms=_ms(began))
        raise BatchFailed(
            f"Batch {name} for {business_date} was interrupted: {str(error).rstrip('.')}; it resumes where "
            "it stopped when it runs again."
        ) from error
    except Exception as error:  # the per-batch boundary: any failure is recorded and reported, never lost
        reason = str(error) if isinstance(error, _EXPECTED) else f"{type(error).__name__}: {error}"
        _record_failure(system, name, business_date, started_at, reason, runner.run_id)
        bound.error(
            "batch.failed", error=reason, duration_ms=_ms(began), exc_info=not isinstance(error, _EXPECTED)
        )
        raise BatchFailed(f"Batch {name} for {business_date} failed: {reason.rstrip('.')}.") from error
    if report is None:
        bound.info("batch.already_done")
        return None
    bound.info("batch.completed", counts=report.counts, duration_ms=_ms(began))
    return report


class _Runner:
    """One process's run of one (job, date): start or resume the attempt, apply its chunks, finish it."""

    def __init__(self, system: BatchSystem, name: str, business_date: dt.date, chunk_accounts: int) -> None:
        self._system = system
        self._name = name
        self._date = business_date
        self._chunk = chunk_accounts
        self.run_id: int | None = None

    def run(self, job: BatchJob, force: bool) -> BatchReport | None:
        with self._system.unit_of_work(immediate=True) as uow:
            run = self._runs(uow).start(self._name, self._date, force=force)
            uow.commit()
        if run is None:
            return None
        self.run_id = run.id
        log.info(
            "batch.started",
            job=self._name,
            business_date=self._date.isoformat(),
            attempt=run.attempt,
            resumed_after=run.after,
        )
        with self._system.unit_of_work() as reader:
            read_one_snapshot(reader)
            with closing(self._works(job, reader, AccountRange(after=run.after))) as works:
                for chunk in _chunks(works, run.after, self._chunk):
                    run = self._apply(run, chunk)
        report = BatchReport(job=self._name, business_date=self._date, counts=dict(run.counts))
        with self._system.unit_of_work(immediate=True) as uow:
            if not self._runs(uow).succeed(run, report.summary()):
                raise _TakenOver
            uow.commit()
        return report

    def _works(
        self, job: BatchJob, reader: SqlAlchemyUnitOfWork, accounts: AccountRange
    ) -> Generator[AccountWork, None, None]:
        """The job's work for `accounts`: read in worker processes when the job reads by range, the store is
        PostgreSQL and the work spans more than one range of accounts (`schedules.processes`), else here.
        Closed as soon as the run stops, so its cursors and worker processes go before the reader does."""
        processes = self._system.batch_processes
        if processes > 1 and self._name in READ_IN_RANGES and reader.connection.dialect.name == "postgresql":
            ranges = Statements(reader.connection).account_ranges(self._chunk, accounts)
            if len(ranges) > 1:
                log.info("batch.read_in_processes", job=self._name, processes=processes, ranges=len(ranges))
                yield from works_in_processes(
                    job,
                    self._date,
                    ranges,
                    database_url=reader.connection.engine.url.render_as_string(hide_password=False),
                    snapshot=export_snapshot(reader),
                    clock=self._system.clock,
                    processes=processes,
                )
                return
        yield from job(self._date, reader, accounts)

    def _apply(self, run: BatchRun, chunk: list[AccountWork]) -> BatchRun:
        with self._system.unit_of_work(immediate=True) as uow:
            counts = Counter(run.counts)
            for work in chunk:
                counts.update(work.counts)
                if work.counts.get("undeliverable"):
                    log.warning(
                        "file.undelivered", job=self._name, account=work.account, reason=UNDELIVERABLE
                    )
            counts.update(_post(uow, chunk))
            counts.update(_send(self._system, uow, chunk))
            advanced = self._runs(uow).advance(run, after=chunk[-1].account, counts=counts)
            if advanced is None:
                raise _TakenOver
            uow.commit()
        return advanced

    def _runs(self, uow: SqlAlchemyUnitOfWork) -> BatchRuns:
        return BatchRuns(uow.connection, self._system.clock)


def _chunks(works: Iterable[AccountWork], after: str | None, size: int) -> Iterator[list[AccountWork]]:
    """The work in chunks of `size` accounts, from after account `after` on, checked in account order."""
    last = after
    stream = iter(works)
    while chunk := list(islice(stream, size)):
        for work in chunk:
            if last is not None and work.account <= last:
                raise ValueError(f"batch work for account {work.account} came after {last}: out of order")
            last = work.account
        yield chunk


def _post(uow: SqlAlchemyUnitOfWork, chunk: list[AccountWork]) -> Counter[str]:
    counts: Counter[str] = Counter()
    entries = [entry for work in chunk for entry in work.entries]
    for entry, outcome in zip(entries, uow.journal.post_all(entries), strict=True):
        if outcome is PostOutcome.POSTED:
            counts.update(entries=1, cents=entry.total_debits)
        else:
            counts["unchanged"] += 1
    return counts


def _send(system: BatchSystem, uow: SqlAlchemyUnitOfWork, chunk: list[AccountWork]) -> Counter[str]:
    files = [file for work in chunk for file in work.files]
    delivered = deliver_files(uow.connection, system.clock, files)
    return +Counter(files=delivered.queued, unchanged=delivered.unchanged)  # zeros left out


def _record_failure(
    system: BatchSystem,
    name: str,
    business_date: dt.date,
    started_at: dt.datetime,
    reason: str,
    run_id: int | None,
) -> None:
    try:
        with system.unit_of_work(immediate=True) as uow:
            BatchRuns(uow.connection, system.clock).fail(
                name, business_date, started_at=started_at, error=reason, run_id=run_id
            )
            uow.commit()
    except StoreUnavailable:
        # The store is down: the attempt stays `running` after its last chunk and is resumed when it is back.
        log.warning("batch.failure_not_recorded", job=name, business_date=business_date.isoformat())


def _ms(began: float) -> int:
    return round((time.monotonic() - began) * 1000)
