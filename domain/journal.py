"""Journal entries of the accounts-receivable ledger, and their hash chain (domain layer).

An entry is double-entry: its lines' debits equal its credits, amounts in integer cents. Each entry belongs
to one importer account's chain; its hash covers its content and the previous entry's hash, so any change to
a posted row is detectable (`ledger verify`). The same content always gives the same `content_digest`, which
is how a repeated posting with the same idempotency key is recognised as a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from json.encoder import encode_basestring_ascii as _json_string  # json.dumps' own, for ASCII

GENESIS_HASH = "0" * 64  # prev_hash of the first entry of every account's chain


class EntryKind(StrEnum):
    """What an entry records; the daily notice and statement sections are drawn from these."""

    ASSESSMENT = "assessment"
    CORRECTION = "correction"
    ADJUSTMENT = "adjustment"
    CANCELLATION = "cancellation"
    PAYMENT = "payment"
    INTEREST = "interest"
    PENALTY = "penalty"
    REFUND = "refund"


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalLine:
    """One side of an entry on one ledger account (e.g. `AR:123456789RM0001`, `REVENUE:DUTY`)."""

    ledger_account: str
    debit_cents: int = 0
    credit_cents: int = 0

    def __post_init__(self) -> None:
        if self.debit_cents < 0 or self.credit_cents < 0 or (self.debit_cents and self.credit_cents):
            raise ValueError("a journal line is a non-negative debit or a non-negative credit, not both")


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalEntry:
    """An entry to post: which account's chain, its idempotency key, and balanced lines."""

    account: str
    idempotency_key: str
    kind: EntryKind
    business_date: dt.date
    lines: tuple[JournalLine, ...]
    due_date: dt.date | None = None
    reference: str = ""
    description: str = ""

    @property
    def total_debits(self) -> int:
        return sum(line.debit_cents for line in self.lines)

    @property
    def total_credits(self) -> int:
        return sum(line.credit_cents for line in self.lines)

    @property
    def is_balanced(self) -> bool:
        return bool(self.lines) and self.total_debits == self.total_credits

    def content_digest(self) -> str:
        """A digest of everything the entry says (not where it landed): equal content, equal digest."""
        return _sha256(_canonical(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class PostedEntry:
    """An entry as stored: its place in the account's chain and its hashes."""

    entry: JournalEntry
    seq: int
    prev_hash: str
    entry_hash: str


def chain_hash(entry: JournalEntry, *, seq: int, prev_hash: str) -> str:
    """The hash of an entry at position `seq` of its account's chain, after `prev_hash`."""
    return _sha256(f"{prev_hash}|{seq}|{_canonical(entry)}")


def _canonical(entry: JournalEntry) -> str:
    """What an entry's hashes cover: the JSON document {account, date, due (or null), key, kind, lines (of
    [ledger account, debit, credit]), ref, text} as `json.dumps(..., sort_keys=True, separators=(",", ":"),
    ensure_ascii=True)` writes it — written out here directly, with json's own string encoder, because every
    posting and every report re-hashes it."""
    due = _json_string(entry.due_date.isoformat()) if entry.due_date else "null"
    lines = ",".join(
        f"[{_json_string(line.ledger_account)},{int(line.debit_cents)},{int(line.credit_cents)}]"
        for line in entry.lines
    )
    return (
        f'{{"account":{_json_string(entry.account)},"date":{_json_string(entry.business_date.isoformat())},'
        f'"due":{due},"key":{_json_string(entry.idempotency_key)},"kind":{_json_string(str(entry.kind))},'
        f'"lines":[{lines}],"ref":{_json_string(entry.reference)},"text":{_json_string(entry.description)}}}'
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def receivable_account(importer_bn15: str) -> str:
    """The ledger account holding what an importer owes."""
    return f"AR:{importer_bn15}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DueAmount:
    """What remains owed for one due date."""

    due_date: dt.date | None
    amount_cents: int


def outstanding_by_due_date(
    debits: list[tuple[dt.date | None, int]], credits_cents: int
) -> tuple[DueAmount, ...]:
    """Apply credits to the oldest due debt first (DOMAIN.md "Offsetting") and return what remains.

    Args:
        debits: amounts charged to the account, each with its due date (None = due at once).
        credits_cents: the sum of payments and credits to the account.
    """
    by_due: dict[dt.date | None, int] = {}
    for due_date, cents in debits:
        by_due[due_date] = by_due.get(due_date, 0) + cents
    remaining_credit = credits_cents
    outstanding: list[DueAmount] = []
    for due_date in sorted(by_due, key=lambda day: day or dt.date.min):
        applied = min(by_due[due_date], remaining_credit)
        remaining_credit -= applied
        if by_due[due_date] - applied:
            outstanding.append(DueAmount(due_date=due_date, amount_cents=by_due[due_date] - applied))
    return tuple(outstanding)
