"""The record of batch runs: whether a batch ran for a business date, and how far a run has come (ledger
layer).

DESIGN.md "Batches": *whether* a run happened lives in `batch_run(job, business_date, attempt)`. A
(job, business date) with a `succeeded` row is done; running it again is a no-op unless forced, which adds
a new attempt. A run commits its work in chunks of accounts (`schedules.runner`), so an attempt is a
committed `running` row from its start: `start` inserts it (or, when the latest attempt is still `running` —
its process was killed, or the store went away — hands that one back to be resumed), `advance` records after
each chunk, in the chunk's own transaction, the last account done and the counts so far, and `succeed` marks
it done after the last chunk. While running, `detail` holds that progress as JSON (`{"after": account,
"counts": {...}}`); once finished, the run's summary or its error. `fail` marks a running attempt `failed`
(or, when the run failed before it had one, records a `failed` attempt). Every step takes the run's lock
first: SQLite has one writer at a time (the runner begins each transaction with BEGIN IMMEDIATE), PostgreSQL
takes a transaction-scoped advisory lock per (job, date); and `advance` refuses to record a chunk unless
the attempt is still running and still where this process left it, so two processes resuming one attempt
never both write a chunk: the second stops. `deliver_files` queues a chunk's files, each once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Connection, func, select, text

from domain.clock import Clock
from ledger.errors import IdempotencyConflict
from ledger.schema import aware, batch_run, outbound_file
from ledger.statements import Statements

# The first key of PostgreSQL's two-key advisory locks taken for batch runs (a space of its own: the
# journal's per-account locks use the one-key form).
BATCH_LOCK_CLASS: Final = 7302
MAX_DETAIL: Final = 4000  # characters of an error or summary kept in batch_run.detail


class RunStatus(StrEnum):
    RUNNING = "running"  # started, committed chunk by chunk; left running by a kill, resumed by the next run
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchRun:
    """An attempt in progress: where it stands after its last committed chunk."""

    id: int
    job: str
    business_date: dt.date
    attempt: int
    started_at: dt.datetime
    after: str | None = None  # the last account done; None before the first chunk
    counts: Mapping[str, int] = field(default_factory=dict)  # what the chunks done so far counted

    @property
    def resumed(self) -> bool:
        return self.after is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundFile:
    """A batch's file for a broker's outbox (a notice, a statement): sent once per (broker, name)."""

    broker_id: int
    name: str
    kind: str
    content: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivered:
    """What became of a chunk's files: queued now, or found already sent with the same bytes."""

    queued: int
    unchanged: int


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
        """The attempt to work on: the latest one if it is still running (to resume, forced or not), else a
        new one; None when the run is done (and not forced)."""
        self._lock(job, business_date)
        rows = self._connection.execute(
            select(batch_run)
            .where(batch_run.c.job == job, batch_run.c.business_date == business_date)
            .order_by(batch_run.c.attempt)
        ).all()
        if rows and rows[-1].status == RunStatus.RUNNING:
            return _running(rows[-1])
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
            detail=_progress(run),
        )
        run_id = self._connection.execute(insert.returning(batch_run.c.id)).scalar_one()
        return dataclasses.replace(run, id=int(run_id))

    def advance(self, run: BatchRun, *, after: str, counts: Mapping[str, int]) -> BatchRun | None:
        """Record a chunk done up to account `after` (in the chunk's transaction); the attempt as it now
        stands, or None when it is no longer where `run` left it (another process moved it on or ended it)."""
        if not self._still(run):
            return None
        advanced = dataclasses.replace(run, after=after, counts=dict(counts))
        self._connection.execute(
            batch_run.update().where(batch_run.c.id == run.id).values(detail=_progress(advanced))
        )
        return advanced

    def succeed(self, run: BatchRun, detail: str) -> bool:
        """Mark the attempt `succeeded` after its last chunk; False if it is no longer where `run` left it."""
        if not self._still(run):
            return False
        self._connection.execute(
            batch_run.update()
            .where(batch_run.c.id == run.id)
            .values(status=RunStatus.SUCCEEDED.value, finished_at=self._now(), detail=detail[:MAX_DETAIL])
        )
        return True

    def fail(
        self, job: str, business_date: dt.date, *, started_at: dt.datetime, error: str, run_id: int | None
    ) -> None:
        """Mark attempt `run_id` `failed` if it is still running; without one (the run failed before it had
        an attempt, or another process ended it) record a `failed` attempt of its own."""
        self._lock(job, business_date)
        finished = {
            "status": RunStatus.FAILED.value,
            "finished_at": self._now(),
            "detail": error[:MAX_DETAIL],
        }
        if run_id is not None:
            marked = self._connection.execute(
                batch_run.update()
                .where(batch_run.c.id == run_id, batch_run.c.status == RunStatus.RUNNING.value)
                .values(finished)
            )
            if marked.rowcount:
                return
        last = self._connection.execute(
            select(func.max(batch_run.c.attempt)).where(
                batch_run.c.job == job, batch_run.c.business_date == business_date
            )
        ).scalar()
        values = {
            "job": job,
            "business_date": business_date,
            "attempt": int(last or 0) + 1,
            "started_at": started_at.astimezone(dt.UTC),
            **finished,
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
            last_failed_at=aware(last_failed_at) if last_failed_at is not None else None,
        )

    def _still(self, run: BatchRun) -> bool:
        """Whether the attempt is still running from where `run` left it (under the run's lock)."""
        self._lock(run.job, run.business_date)
        row = self._connection.execute(select(batch_run).where(batch_run.c.id == run.id)).one()
        return row.status == RunStatus.RUNNING and _running(row).after == run.after

    def _now(self) -> dt.datetime:
        return self._clock.now().astimezone(dt.UTC)

    def _lock(self, job: str, business_date: dt.date) -> None:
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(
                text("SELECT pg_advisory_xact_lock(:class, hashtext(:key))"),
                {"class": BATCH_LOCK_CLASS, "key": f"{job}:{business_date.isoformat()}"},
            )


def deliver_files(connection: Connection, clock: Clock, files: Sequence[OutboundFile]) -> Delivered:
    """Queue a chunk of a batch's files in the brokers' outboxes, in one statement (a national run sends
    125,000); a file already sent with the same bytes is left alone (a resumed or forced run).

    Raises:
        IdempotencyConflict: a broker already has a file of that name with other content.
    """
    named = [(file.broker_id, file.name) for file in files]
    sent = Statements(connection).sent_digests(named)
    now, new = clock.now(), []
    for file in files:
        digest = hashlib.sha256(file.content).hexdigest()
        if (file.broker_id, file.name) not in sent:
            new.append(
                {
                    "broker_id": file.broker_id,
                    "name": file.name,
                    "kind": file.kind,
                    "content": file.content,
                    "sha256": digest,
                    "inbound_file_id": None,
                    "created_at": now,
                }
            )
        elif sent[file.broker_id, file.name] != digest:
            raise IdempotencyConflict(
                f"{file.name} was already sent to broker {file.broker_id} with other content; a sent file is "
                "never replaced (what the ledger says for it has changed since: check `ledger verify`)."
            )
    if new:
        connection.execute(outbound_file.insert(), new)
    return Delivered(queued=len(new), unchanged=len(files) - len(new))


def _progress(run: BatchRun) -> str:
    return json.dumps({"after": run.after, "counts": dict(run.counts)}, separators=(",", ":"))


def _running(row: Any) -> BatchRun:
    """A `running` row as the attempt it records (its progress read back from `detail`)."""
    progress = json.loads(row.detail) if row.detail else {}
    return BatchRun(
        id=int(row.id),
        job=row.job,
        business_date=row.business_date,
        attempt=int(row.attempt),
        started_at=aware(row.started_at),
        after=progress.get("after"),
        counts={str(name): int(value) for name, value in progress.get("counts", {}).items()},
    )
