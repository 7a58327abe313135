"""The append-only, double-entry journal (ledger layer).

`Journal.post` appends an entry to its importer account's hash chain: balanced or refused; the same
idempotency key with the same content is a no-op, with different content an `IdempotencyConflict`. There is
no update and no delete here; `refuse_journal_changes` (installed on every engine) refuses any Core UPDATE or
DELETE aimed at the journal, and the database's triggers refuse the rest. `verify` walks every chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Delete, Engine, Update, event, func, select, text

from domain.clock import Clock
from domain.journal import (
    GENESIS_HASH,
    DueAmount,
    EntryKind,
    JournalEntry,
    JournalLine,
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
        previous: tuple[str, int, str] | None = None  # account, seq, entry_hash of the entry before
        for entry_id, seq, stored_hash, prev_hash, entry in self._stream_entries():
            expected_seq, expected_prev = (1, GENESIS_HASH)
            if previous is not None and previous[0] == entry.account:
                expected_seq, expected_prev = previous[1] + 1, previous[2]
            reason = _fault(entry, seq, stored_hash, prev_hash, expected_seq, expected_prev)
            if reason:
                return BrokenEntry(entry_id=entry_id, account=entry.account, seq=seq, reason=reason)
            previous = (entry.account, seq, stored_hash)
        return None

    def _stream_entries(self) -> Iterator[tuple[int, int, str, str, JournalEntry]]:
        query = (
            select(
                journal_entry,
                journal_line.c.ledger_account,
                journal_line.c.debit_cents,
                journal_line.c.credit_cents,
            )
            .join(journal_line, journal_line.c.entry_id == journal_entry.c.id, isouter=True)
            .order_by(journal_entry.c.account, journal_entry.c.seq, journal_line.c.line_no)
        )
        current: Any = None
        lines: list[JournalLine] = []
        for row in self._connection.execute(query.execution_options(yield_per=2000)):
            if current is not None and row.id != current.id:
                yield _rebuild(current, lines)
                lines = []
            current = row
            if row.ledger_account is not None:
                lines.append(
                    JournalLine(
                        ledger_account=row.ledger_account,
                        debit_cents=int(row.debit_cents),
                        credit_cents=int(row.credit_cents),
                    )
                )
        if current is not None:
            yield _rebuild(current, lines)


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


def _rebuild(row: Any, lines: list[JournalLine]) -> tuple[int, int, str, str, JournalEntry]:
    entry = JournalEntry(
        account=row.account,
        idempotency_key=row.idempotency_key,
        kind=EntryKind(row.kind),
        business_date=row.business_date,
        due_date=row.due_date,
        reference=row.reference,
        description=row.description,
        lines=tuple(lines),
    )
    return int(row.id), int(row.seq), row.entry_hash, row.prev_hash, entry


def _fault(
    entry: JournalEntry, seq: int, stored_hash: str, prev_hash: str, expected_seq: int, expected_prev: str
) -> str:
    if not entry.is_balanced:
        return f"debits {entry.total_debits} and credits {entry.total_credits} cents differ"
    if seq != expected_seq:
        return f"sequence {seq} where {expected_seq} was expected (an entry is missing)"
    if prev_hash != expected_prev:
        return "it does not chain to the entry before it"
    if chain_hash(entry, seq=seq, prev_hash=prev_hash) != stored_hash:
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
