"""Payments received from importers, and the journal entry that posts one (domain layer).

A payment is money an importer paid against its RM account on a date, under a reference unique across all
payments (the bank's or the payment service's). It posts as a PAYMENT entry that debits `CASH` and credits
the importer's receivable `AR:<BN15>`, with the payment date as its business date and no due date. Its
idempotency key `payment:<reference>` makes a payment loaded twice a no-op, and the same reference with
other content a conflict. Which debt a payment clears is not decided here: credits clear the oldest due debt
first wherever the balance is read (`domain.journal.outstanding_by_due_date`, DOMAIN.md "Offsetting").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account

CASH_ACCOUNT: Final = "CASH"
# A reference: letters, digits and . _ : / - (no spaces), at most 60 characters (journal_entry.reference).
PAYMENT_REFERENCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,59}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    """One payment: who paid, on which day, how many cents, under which reference."""

    importer_bn15: str
    received_on: dt.date
    amount_cents: int
    reference: str

    def __post_init__(self) -> None:
        if self.amount_cents <= 0:
            raise ValueError(f"a payment is a positive amount, not {self.amount_cents} cents")
        if not PAYMENT_REFERENCE.fullmatch(self.reference):
            raise ValueError(f"{self.reference!r} is not a payment reference")

    @property
    def idempotency_key(self) -> str:
        return f"payment:{self.reference}"


def payment_entry(payment: Payment) -> JournalEntry:
    """The entry posting `payment`: debit cash, credit the importer's receivable."""
    return JournalEntry(
        account=payment.importer_bn15,
        idempotency_key=payment.idempotency_key,
        kind=EntryKind.PAYMENT,
        business_date=payment.received_on,
        reference=payment.reference,
        lines=(
            JournalLine(ledger_account=CASH_ACCOUNT, debit_cents=payment.amount_cents),
            JournalLine(
                ledger_account=receivable_account(payment.importer_bn15), credit_cents=payment.amount_cents
            ),
        ),
    )
