"""What a batch job yields and what a batch run reports (schedules layer).

A job (`BatchJob`) reads the ledger and yields, account by account in increasing account order (binary
collation, as `ledger.statements` streams), the `AccountWork` for each: the files to put in an outbox, the
journal entries to post, and what to count. It writes nothing itself: the runner (`schedules.runner`)
applies the work a chunk of accounts at a time, each chunk in a transaction of its own, and records after
each how far the run has come, so a run of any size holds few locks and a killed run resumes after its last
chunk. A job reads the accounts of the `AccountRange` it is given: a resumed run starts after the last
account done, and a run read in worker processes gives each worker a range of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from domain.journal import JournalEntry
from ledger.batches import OutboundFile
from ledger.statements import AccountRange, Recipient
from ledger.unit_of_work import SqlAlchemyUnitOfWork

UNDELIVERABLE: Final = "no statements recipient"  # why an account's file was not sent


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
# account in the range (after one account, up to another), in increasing account order. It may run in a
# worker process (`schedules.processes`): a module-level function, whose work survives pickling.
BatchJob = Callable[[dt.date, SqlAlchemyUnitOfWork, AccountRange], Iterator[AccountWork]]


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
    no such broker, nothing to send, counted `undeliverable` (the runner logs it: UNDELIVERABLE)."""
    if recipient is None or recipient.broker_id is None:
        return AccountWork(account=account, counts={**counts, "undeliverable": 1})
    file = OutboundFile(broker_id=recipient.broker_id, name=name, kind=kind, content=content)
    return AccountWork(account=account, files=(file,), counts=counts)
