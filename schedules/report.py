"""What a batch job yields and what a batch run reports (schedules layer).

A job (`BatchJob`) reads the ledger and yields, account by account in increasing account order (binary
collation, as `ledger.statements` streams), the `AccountWork` for each: the files to put in an outbox, the
journal entries to post, and what to count. It writes nothing itself: the runner (`schedules.runner`)
applies the work a chunk of accounts at a time, each chunk in a transaction of its own, and records after
each how far the run has come, so a run of any size holds few locks and a killed run resumes after its last
chunk. A job given `after` starts after that account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import structlog

from domain.journal import JournalEntry
from ledger.batches import OutboundFile
from ledger.statements import Recipient
from ledger.unit_of_work import SqlAlchemyUnitOfWork

log = structlog.get_logger("schedules.report")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchReport:
    """The counts a batch reports for one business date (logged as `batch.completed`, shown by the CLI)."""

    job: str
    business_date: dt.date
    counts: dict[str, int] = field(default_factory=dict)  # e.g. {"accounts": 12, "files": 12}

    def summary(self) -> str:
        counted = ", ".join(f"{value} {name}" for name, value in self.counts.items()) or "nothing to do"
        return f"{self.job} for {self.business_date.isoformat()}: {counted}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountWork:
    """What a batch does for one account: files to queue, entries to post, and the job's own counts. The
    runner adds its own: `files` queued, `entries` posted and their `cents`, and `unchanged` for a file or
    entry found already there with the same content (a resumed or forced run)."""

    account: str
    files: tuple[OutboundFile, ...] = ()
    entries: tuple[JournalEntry, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)


# A batch job: for a business date, reading through the given (read-only) unit of work, the work of every
# account after `after` (all when None), in increasing account order.
BatchJob = Callable[[dt.date, SqlAlchemyUnitOfWork, str | None], Iterator[AccountWork]]


def delivery(
    recipient: Recipient | None,
    account: str,
    *,
    kind: str,
    name: str,
    content: bytes,
    counts: Mapping[str, int],
) -> AccountWork:
    """The work of sending `content` as `name` to the broker that receives the account's statements; with
    no such broker, nothing to send, counted `undeliverable` and logged."""
    if recipient is None or recipient.broker_id is None:
        log.warning("file.undelivered", kind=kind, account=account, reason="no statements recipient")
        return AccountWork(account=account, counts={**counts, "undeliverable": 1})
    file = OutboundFile(broker_id=recipient.broker_id, name=name, kind=kind, content=content)
    return AccountWork(account=account, files=(file,), counts=counts)
