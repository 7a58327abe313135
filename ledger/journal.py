"""The append-only, double-entry journal (ledger layer).

`Journal.post` appends an entry to its importer account's hash chain: balanced or refused; the same
idempotency key with the same content is a no-op, with different content an `IdempotencyConflict`. There is
no update and no delete here; `refuse_journal_changes` (installed on every engine) refuses any Core UPDATE or
DELETE aimed at the journal, and the database's triggers refuse the rest. `verify` walks every chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Delete, Engine, Update, event, func, select, text

from domain.clock import Clock
from domain.journal import (
    GENESIS_HASH,
    DueAmount,
    EntryKind,
    JournalEntry,
    JournalLine,
    PostedEntry,
    chain_hash,
    outstanding_by_due_date,
    receivable_account,
)
from ledger.bulk_insert import append_rows
from ledger.errors import AppendOnlyViolation, IdempotencyConflict, UnbalancedEntry
from ledger.schema import journal_entry, journal_line

JOURNAL_TABLES = frozenset({journal_entry.name, journal_line.name})


class PostOutcome(StrEnum):
    POSTED = "posted"
    ALREADY_POSTED = "already_posted"  # same key, same content: nothing done


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    account: str
    balance_cents: int
    due: tuple[DueAmount, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokenEntry:
    """The first entry `verify` found wrong, and why."""

    entry_id: int
    account: str
    seq: int
    reason: str


class Journal:
    """Repository of journal entries inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def post(self, entry: JournalEntry) -> PostOutcome:
        """Append `entry` to its account's chain, exactly once per idempotency key."""
        return self.post_all([entry])[0]

    def post_all(self, entries: Sequence[JournalEntry]) -> list[PostOutcome]:
        """Post `entries` in order, as `post` would one after the other, in a handful of statements whatever
        their number (an inbound file's entries: one look-up of the keys, one lock statement, one read of the
        chain heads, one append of the entries, one read of their ids and one append of their lines)."""
        for entry in entries:
            if not entry.is_balanced:
                raise UnbalancedEntry(
                    f"Entry {entry.idempotency_key} debits {entry.total_debits} cents "
                    f"but credits {entry.total_credits} cents."
                )
        if not entries:
            return []
        seen = self._posted_digests({entry.idempotency_key for entry in entries})
        outcomes: list[PostOutcome] = []
        new: list[tuple[JournalEntry, str]] = []
        for entry in entries:
            digest = entry.content_digest()
            earlier = seen.get(entry.idempotency_key)
            if earlier is None:
                seen[entry.idempotency_key] = digest
                new.append((entry, digest))
                outcomes.append(PostOutcome.POSTED)
            elif earlier != digest:
                raise IdempotencyConflict(
                    f"Entry {entry.idempotency_key} was already posted with different content."
                )
            else:
                outcomes.append(PostOutcome.ALREADY_POSTED)
        if new:
            self._append(new)
        return outcomes

    def _posted_digests(self, keys: set[str]) -> dict[str, str]:
        query = select(journal_entry.c.idempotency_key, journal_entry.c.content_sha256).where(
            journal_entry.c.idempotency_key.in_(sorted(keys))
        )
        return {row.idempotency_key: row.content_sha256 for row in self._connection.execute(query)}

    def _append(self, entries: list[tuple[JournalEntry, str]]) -> None:
        accounts = sorted({entry.account for entry, _ in entries})
        self._lock_chains(accounts)
        rows = _chained_rows(entries, self._chain_heads(accounts), self._clock.now())
        # Appended without RETURNING (a COPY on PostgreSQL, `append_rows`), then the new ids read back by key
        # for the lines: cheaper for client and server than an INSERT ... RETURNING of many VALUES, whose
        # long text changes with the number of entries and is parsed anew every time.
        append_rows(self._connection, journal_entry, rows)
        ids = self._entry_ids([row["idempotency_key"] for row in rows])
        lines = [
            {
                "entry_id": ids[entry.idempotency_key],
                "line_no": number,
                "ledger_account": line.ledger_account,
                "debit_cents": line.debit_cents,
                "credit_cents": line.credit_cents,
            }
            for entry, _ in entries
            for number, line in enumerate(entry.lines, start=1)
        ]
        append_rows(self._connection, journal_line, lines)

    def _entry_ids(self, keys: list[str]) -> dict[str, int]:
        query = select(journal_entry.c.idempotency_key, journal_entry.c.id).where(
            journal_entry.c.idempotency_key.in_(keys)
        )
        return {row.idempotency_key: int(row.id) for row in self._connection.execute(query)}

    def _chain_heads(self, accounts: list[str]) -> dict[str, tuple[int, str]]:
        """The last (seq, entry_hash) of each account's chain that has one."""
        last = (
            select(journal_entry.c.account, func.max(journal_entry.c.seq).label("seq"))
            .where(journal_entry.c.account.in_(accounts))
            .group_by(journal_entry.c.account)
            .subquery()
        )
        query = select(journal_entry.c.account, journal_entry.c.seq, journal_entry.c.entry_hash).join(
            last, (last.c.account == journal_entry.c.account) & (last.c.seq == journal_entry.c.seq)
        )
        return {row.account: (int(row.seq), row.entry_hash) for row in self._connection.execute(query)}

    def _lock_chains(self, accounts: list[str]) -> None:
        # Two transactions appending to one chain must not both read the same last entry. SQLite has one
        # writer at a time; PostgreSQL serialises per account with a transaction-scoped advisory lock,
        # pg_advisory_xact_lock(hashtext(account)), taken in account order (so two posters never deadlock).
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(
                text(
                    "SELECT pg_advisory_xact_lock(hashtext(account)) "
                    "FROM (SELECT account FROM unnest(CAST(:accounts AS text[])) AS account "
                    "ORDER BY account) AS ordered"
                ),
                {"accounts": accounts},
            )

    def balance(self, importer_bn15: str) -> Balance:
        """What the importer owes: the receivable's balance and what remains per due date."""
        receivable = receivable_account(importer_bn15)
        rows = self._connection.execute(
            select(journal_entry.c.due_date, journal_line.c.debit_cents, journal_line.c.credit_cents)
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(journal_line.c.ledger_account == receivable)
        ).all()
        debits = [(row.due_date, int(row.debit_cents)) for row in rows if row.debit_cents]
        credits = sum(int(row.credit_cents) for row in rows)
        total = sum(cents for _, cents in debits) - credits
        return Balance(
            account=importer_bn15, balance_cents=total, due=outstanding_by_due_date(debits, credits)
        )

    def count(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(journal_entry)).scalar_one())

    def verify(self) -> BrokenEntry | None:
        """Check every entry balances and every account's hash chain is intact; the first fault, or None."""
        query = ENTRIES_WITH_LINES.order_by(
            journal_entry.c.account, journal_entry.c.seq, journal_line.c.line_no
        )
        rows = self._connection.execute(query.execution_options(yield_per=2000))
        previous: PostedEntry | None = None  # the entry before, in the same account or another
        for entry_id, posted in posted_entries(rows):
            expected_seq, expected_prev = (1, GENESIS_HASH)
            if previous is not None and previous.entry.account == posted.entry.account:
                expected_seq, expected_prev = previous.seq + 1, previous.entry_hash
            reason = _fault(posted, expected_seq, expected_prev)
            if reason:
                return BrokenEntry(
                    entry_id=entry_id, account=posted.entry.account, seq=posted.seq, reason=reason
                )
            previous = posted
        return None


# Journal entries with their lines, a row per line (one row of nulls for an entry left without lines): the
# query `posted_entries` rebuilds entries from, once ordered by entry and line number.
ENTRIES_WITH_LINES = select(
    journal_entry, journal_line.c.ledger_account, journal_line.c.debit_cents, journal_line.c.credit_cents
).join(journal_line, journal_line.c.entry_id == journal_entry.c.id, isouter=True)


def posted_entries(rows: Iterable[Any]) -> Iterator[tuple[int, PostedEntry]]:
    """The entries of rows of `ENTRIES_WITH_LINES` (each entry's rows together, in line order), with their
    ids. An entry left without any line is rebuilt without lines: unbalanced, which a check reports."""
    for entry_id, group in groupby(rows, lambda row: row.id):
        head, *rest = group
        lines = tuple(
            JournalLine(ledger_account=account, debit_cents=int(debit), credit_cents=int(credit))
            for *_, account, debit, credit in (head, *rest)
            if account is not None
        )
        entry = JournalEntry(
            account=head.account,
            idempotency_key=head.idempotency_key,
            kind=EntryKind(head.kind),
            business_date=head.business_date,
            due_date=head.due_date,
            reference=head.reference,
            description=head.description,
            lines=lines,
        )
        yield (
            int(entry_id),
            PostedEntry(entry=entry, seq=int(head.seq), prev_hash=head.prev_hash, entry_hash=head.entry_hash),
        )


def _chained_rows(
    entries: list[tuple[JournalEntry, str]], heads: dict[str, tuple[int, str]], now: dt.datetime
) -> list[dict[str, Any]]:
    """The journal_entry rows of `entries` (with their content digests), each chained after the head of its
    account's chain as it stands then (`heads`, updated as the entries are chained)."""
    rows = []
    for entry, digest in entries:
        last_seq, prev_hash = heads.get(entry.account, (0, GENESIS_HASH))
        seq = last_seq + 1
        entry_hash = chain_hash(entry, seq=seq, prev_hash=prev_hash)
        heads[entry.account] = (seq, entry_hash)
        rows.append(
            {
                "account": entry.account,
                "seq": seq,
                "idempotency_key": entry.idempotency_key,
                "kind": str(entry.kind),
                "business_date": entry.business_date,
                "due_date": entry.due_date,
                "reference": entry.reference,
                "description": entry.description,
                "posted_at": now,
                "content_sha256": digest,
                "prev_hash": prev_hash,
                "entry_hash": entry_hash,
            }
        )
    return rows


def _fault(posted: PostedEntry, expected_seq: int, expected_prev: str) -> str:
    entry, seq, prev_hash = posted.entry, posted.seq, posted.prev_hash
    if not entry.is_balanced:
        return f"debits {entry.total_debits} and credits {entry.total_credits} cents differ"
    if seq != expected_seq:
        return f"sequence {seq} where {expected_seq} was expected (an entry is missing)"
    if prev_hash != expected_prev:
        return "it does not chain to the entry before it"
    if chain_hash(entry, seq=seq, prev_hash=prev_hash) != posted.entry_hash:
        return "its content no longer matches its hash (altered after posting)"
    return ""


def refuse_journal_changes(engine: Engine) -> None:
    """Make every connection of `engine` refuse Core UPDATE and DELETE statements on the journal."""

    @event.listens_for(engine, "before_execute")
    def _refuse(_conn: Any, clause: Any, *_args: Any) -> None:
        if not isinstance(clause, Update | Delete):
            return
        table = getattr(clause.table, "name", None)
        if table in JOURNAL_TABLES:
            raise AppendOnlyViolation(
                f"The journal is append-only: {type(clause).__name__} on {table} refused."
            )
