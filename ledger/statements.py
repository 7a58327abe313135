"""The read side of daily notices, statements and the RPP review: streaming queries (ledger layer).

National scale is 600,000 postings a day and 2.5 M CADs a month over 125,000 accounts, so nothing here loads
every account at once: each query streams rows in chunks (`yield_per`, a server-side cursor on PostgreSQL)
ordered by account, and `AccountCursor` hands them out one account at a time. Every ordering by account
uses binary collation ("C" on PostgreSQL, SQLite's default BINARY), which is the order of Python's `str`
comparison, so the batches can merge several streams by account as they go, and every query takes an
`AccountRange` of that same order: the accounts after one (a resumed batch) and up to another (a batch read
a range at a time in several processes, `schedules.processes`). `receivables` streams what each account
owes per due date (the interest batch). `sent_digests` tells, for a batch's files, which are already in an
outbox and with what content (a re-run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    extract,
    func,
    literal,
    select,
    tuple_,
)

from domain.journal import (
    DueAmount,
    EntryKind,
    PostedEntry,
    outstanding_by_due_date,
    receivable_account,
)
from ledger.journal import ENTRIES_WITH_LINES, posted_entries
from ledger.schema import (
    aware,
    broker,
    cad_version,
    delegation,
    importer,
    journal_entry,
    journal_line,
    outbound_file,
)

RECEIVABLE_PREFIX: Final = receivable_account("")  # "AR:"
CHUNK_ROWS: Final = 5000  # rows fetched per round trip while streaming
T = TypeVar("T")
Q = TypeVar("Q", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class AccountRange:
    """The accounts after `after` up to and including `through`, in binary order (None: no bound)."""

    after: str | None = None
    through: str | None = None

    def __contains__(self, account: object) -> bool:
        return isinstance(account, str) and (
            (self.after is None or account > self.after) and (self.through is None or account <= self.through)
        )


ALL_ACCOUNTS: Final = AccountRange()


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """A registered importer and the broker named to receive its notices and statements (if any)."""

    account: str
    importer_name: str
    broker_id: int | None
    sender_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedVersion:
    """A replacing CAD version as received: what an adjustment under review is drawn from."""

    account: str
    transaction_number: str
    version: int
    status: str
    received_at: dt.datetime  # timezone-aware
    due_date: dt.date
    assessed_cents: int  # the version's total duties and taxes


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthlyCharge:
    """One account's duties and taxes posted in one calendar month (first day), in one of two periods."""

    account: str
    in_current_period: bool
    month: dt.date
    cents: int


class AccountCursor(Generic[T]):
    """A stream ordered by account, read one account at a time, in increasing account order."""

    def __init__(self, items: Iterable[T], key: Callable[[T], str]) -> None:
        self._groups = groupby(items, key)
        self._head: tuple[str, list[T]] | None = None
        self._advance()

    def _advance(self) -> None:
        group = next(self._groups, None)
        self._head = None if group is None else (group[0], list(group[1]))

    def take(self, account: str, *, skipped: Callable[[str], None] | None = None) -> list[T]:
        """The items of `account` (none when it has none); accounts before it are passed to `skipped`."""
        while self._head is not None and self._head[0] < account:
            if skipped is not None:
                skipped(self._head[0])
            self._advance()
        if self._head is None or self._head[0] != account:
            return []
        items = self._head[1]
        self._advance()
        return items

    def next_account(self) -> str | None:
        return None if self._head is None else self._head[0]


class Statements:
    """Streaming read queries over the journal, parties and CAD versions, and what the outboxes hold."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _stream(self, query: Select[Any]) -> Iterator[Any]:
        # Per statement: Connection.execution_options would switch every later statement to a cursor too.
        yield from self._connection.execute(query.execution_options(yield_per=CHUNK_ROWS))

    def _by_account(self, column: ColumnElement[str]) -> ColumnElement[str]:
        return column.collate("C") if self._connection.dialect.name == "postgresql" else column

    def _within(self, query: Q, column: ColumnElement[str], accounts: AccountRange, prefix: str = "") -> Q:
        """`query` limited to the accounts of `accounts` in the order of `_by_account`; `column` holds the
        account after `prefix` (the receivables `AR:<account>`)."""
        if accounts.after is not None:
            query = query.where(self._by_account(column) > prefix + accounts.after)
        if accounts.through is not None:
            query = query.where(self._by_account(column) <= prefix + accounts.through)
        return query

    def postings(
        self,
        first: dt.date,
        last: dt.date,
        *,
        account: str | None = None,
        accounts: AccountRange = ALL_ACCOUNTS,
    ) -> Iterator[PostedEntry]:
        """Every entry dated `first`..`last` with all its lines, ordered by account and seq (one query)."""
        query = ENTRIES_WITH_LINES.where(journal_entry.c.business_date.between(first, last)).order_by(
            self._by_account(journal_entry.c.account), journal_entry.c.seq, journal_line.c.line_no
        )
        if account is not None:
            query = query.where(journal_entry.c.account == account)
        query = self._within(query, journal_entry.c.account, accounts)
        for _, posted in posted_entries(self._stream(query)):
            yield posted

    def receivable_balances(
        self,
        *,
        before: dt.date | None = None,
        through: dt.date | None = None,
        account: str | None = None,
        accounts: AccountRange = ALL_ACCOUNTS,
    ) -> Iterator[tuple[str, int]]:
        """(account, balance) of every importer's receivable `AR:<account>` over the entries dated before
        `before` or up to `through`, ordered by account; summed by the receivable the lines name."""
        query = (
            select(
                journal_line.c.ledger_account,
                func.sum(journal_line.c.debit_cents - journal_line.c.credit_cents),
            )
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(journal_line.c.ledger_account.startswith(RECEIVABLE_PREFIX))
            .group_by(journal_line.c.ledger_account)
            .order_by(self._by_account(journal_line.c.ledger_account))
        )
        if before is not None:
            query = query.where(journal_entry.c.business_date < before)
        if through is not None:
            query = query.where(journal_entry.c.business_date <= through)
        if account is not None:
            query = query.where(journal_line.c.ledger_account == receivable_account(account))
        query = self._within(query, journal_line.c.ledger_account, accounts, RECEIVABLE_PREFIX)
        for ledger_account, cents in self._stream(query):
            yield ledger_account.removeprefix(RECEIVABLE_PREFIX), int(cents or 0)

    def recipients(
        self, *, account: str | None = None, accounts: AccountRange = ALL_ACCOUNTS
    ) -> Iterator[Recipient]:
        """Every registered importer with the broker that receives its statements, ordered by account."""
        named = and_(delegation.c.importer_id == importer.c.id, delegation.c.receives_statements)
        query = (
            select(importer.c.bn15, importer.c.name, broker.c.id, broker.c.sender_id)
            .select_from(importer)
            .join(delegation, named, isouter=True)
            .join(broker, broker.c.id == delegation.c.broker_id, isouter=True)
            .order_by(self._by_account(importer.c.bn15))
        )
        if account is not None:
            query = query.where(importer.c.bn15 == account)
        query = self._within(query, importer.c.bn15, accounts)
        for bn15, name, broker_id, sender_id in self._stream(query):
            yield Recipient(account=bn15, importer_name=name, broker_id=broker_id, sender_id=sender_id)

    def replacements_received(
        self, since: dt.datetime, until: dt.datetime, *, accounts: AccountRange = ALL_ACCOUNTS
    ) -> Iterator[ReceivedVersion]:
        """The replacing CAD versions received from `since` up to (not including) `until`, by account."""
        assessed = cad_version.c.duty_cents + cad_version.c.gst_cents + cad_version.c.excise_cents
        query = (
            select(cad_version, (assessed + cad_version.c.sima_cents).label("assessed"))
            .where(
                cad_version.c.function == "replace",
                cad_version.c.received_at >= _utc(since),
                cad_version.c.received_at < _utc(until),
            )
            .order_by(
                self._by_account(cad_version.c.importer_bn15),
                cad_version.c.transaction_number,
                cad_version.c.version,
            )
        )
        for row in self._stream(self._within(query, cad_version.c.importer_bn15, accounts)):
            yield ReceivedVersion(
                account=row.importer_bn15,
                transaction_number=row.transaction_number,
                version=row.version,
                status=row.status,
                received_at=aware(row.received_at),
                due_date=row.due_date,
                assessed_cents=int(row.assessed),
            )

    def monthly_charges(
        self,
        first: dt.date,
        last: dt.date,
        *,
        current_from: dt.date,
        kinds: Collection[EntryKind],
        accounts: AccountRange = ALL_ACCOUNTS,
    ) -> Iterator[MonthlyCharge]:
        """Per account and calendar month, the receivable debits less credits of the entries of `kinds`
        dated `first`..`last`; days from `current_from` on are the current period. Ordered by account."""
        query = self._within(
            self._monthly_query(first, last, current_from, kinds), journal_entry.c.account, accounts
        )
        for account, flag, in_year, in_month, cents in self._stream(query):
            yield MonthlyCharge(
                account=account,
                in_current_period=bool(flag),
                month=dt.date(int(in_year), int(in_month), 1),
                cents=int(cents or 0),
            )

    def _monthly_query(
        self, first: dt.date, last: dt.date, current_from: dt.date, kinds: Collection[EntryKind]
    ) -> Select[Any]:
        day = journal_entry.c.business_date
        current = case((day >= current_from, 1), else_=0).label("current")
        year, month = extract("year", day).label("year"), extract("month", day).label("month")
        receivable = literal(RECEIVABLE_PREFIX, String) + journal_entry.c.account
        own_receivable = and_(
            journal_line.c.entry_id == journal_entry.c.id, journal_line.c.ledger_account == receivable
        )
        return (
            select(
                journal_entry.c.account,
                current,
                year,
                month,
                func.sum(journal_line.c.debit_cents - journal_line.c.credit_cents),
            )
            .join(journal_line, own_receivable)
            .where(day.between(first, last), journal_entry.c.kind.in_(sorted(kinds)))
            .group_by(journal_entry.c.account, current, year, month)
            .order_by(self._by_account(journal_entry.c.account), current, year, month)
        )

    def receivables(
        self, day: dt.date, *, accounts: AccountRange = ALL_ACCOUNTS
    ) -> Iterator[tuple[str, tuple[DueAmount, ...]]]:
        """What every account with receivable entries dated up to `day` owes per due date, oldest due debt
        cleared first (`outstanding_by_due_date`, as `Journal.balance`), in account order; from the lines
        on the receivables `AR:<account>`, so one account's totals are all one query streams at a time."""
        query = (
            select(
                journal_line.c.ledger_account,
                journal_entry.c.due_date,
                func.sum(journal_line.c.debit_cents).label("debits"),
                func.sum(journal_line.c.credit_cents).label("credits"),
            )
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(
                journal_line.c.ledger_account.startswith(RECEIVABLE_PREFIX),
                journal_entry.c.business_date <= day,
            )
            .group_by(journal_line.c.ledger_account, journal_entry.c.due_date)
            .order_by(self._by_account(journal_line.c.ledger_account))
        )
        query = self._within(query, journal_line.c.ledger_account, accounts, RECEIVABLE_PREFIX)
        for ledger_account, rows in groupby(self._stream(query), lambda row: row.ledger_account):
            totals = [(row.due_date, int(row.debits), int(row.credits)) for row in rows]
            debits = [(due, cents) for due, cents, _ in totals]
            credits = sum(cents for _, _, cents in totals)
            yield ledger_account.removeprefix(RECEIVABLE_PREFIX), outstanding_by_due_date(debits, credits)

    def account_ranges(self, size: int, accounts: AccountRange = ALL_ACCOUNTS) -> list[AccountRange]:
        """`accounts` cut into consecutive ranges of `size` registered importers each (the last one reaching
        to the end of `accounts`): every account of `accounts`, registered or not, falls in exactly one."""
        query = self._within(
            select(importer.c.bn15).order_by(self._by_account(importer.c.bn15)), importer.c.bn15, accounts
        )
        ends = [bn15 for number, (bn15,) in enumerate(self._stream(query), start=1) if number % size == 0]
        starts = [accounts.after, *ends]
        return [
            AccountRange(after, through)
            for after, through in zip(starts, [*ends, accounts.through], strict=True)
        ]

    def sent_digests(self, files: Collection[tuple[int, str]]) -> dict[tuple[int, str], str]:
        """The SHA-256 of each (broker id, name) among `files` already in an outbox (one query)."""
        if not files:
            return {}
        key = tuple_(outbound_file.c.broker_id, outbound_file.c.name)
        query = select(outbound_file.c.broker_id, outbound_file.c.name, outbound_file.c.sha256).where(
            key.in_(sorted(files))
        )
        return {(row.broker_id, row.name): row.sha256 for row in self._connection.execute(query)}


def _utc(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(dt.UTC)
