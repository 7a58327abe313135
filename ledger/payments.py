"""Payments into the accounts-receivable ledger, and what every account owes as of a day (ledger layer).

`post_payments` posts a loaded payments file in the caller's unit of work, all or nothing: every importer
must be registered, and each payment is a PAYMENT entry whose idempotency key `payment:<reference>` makes
a line loaded again a no-op and a reference reused for other content an `IdempotencyConflict`.
`receivables_as_of` reads, in one grouped query, what each account owes per due date once its credits have
cleared the oldest due debt first (`domain.journal.outstanding_by_due_date`, the very rule `Journal.balance`
applies), counting only entries dated up to the day: that is what the interest batch charges on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from domain.journal import DueAmount, outstanding_by_due_date, receivable_account
from domain.payments import Payment, payment_entry
from ledger.errors import IdempotencyConflict, NotFound
from ledger.journal import PostOutcome
from ledger.schema import journal_entry, journal_line
from ledger.unit_of_work import SqlAlchemyUnitOfWork

RECEIVABLE_PREFIX = receivable_account("")  # "AR:": every importer's receivable starts so


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentCounts:
    """What a load did: payments posted now (and their total), and payments found already posted."""

    posted: int
    unchanged: int
    posted_cents: int


def post_payments(uow: SqlAlchemyUnitOfWork, payments: Sequence[Payment]) -> PaymentCounts:
    """Post every payment in `uow`; the caller commits.

    Raises:
        NotFound: a payment names an importer that is not registered.
        IdempotencyConflict: a reference was loaded before with another importer, date or amount.
    """
    registered = uow.parties.filers_of({payment.importer_bn15 for payment in payments})
    unknown = next((p for p in payments if p.importer_bn15 not in registered), None)
    if unknown is not None:
        raise NotFound(
            f"Payment {unknown.reference} is for importer {unknown.importer_bn15}, which is not registered."
        )
    posted = unchanged = posted_cents = 0
    for payment in payments:
        try:
            outcome = uow.journal.post(payment_entry(payment))
        except IdempotencyConflict:
            raise IdempotencyConflict(
                f"Payment reference {payment.reference} was already loaded with another importer, date or "
                "amount."
            ) from None
        if outcome is PostOutcome.POSTED:
            posted, posted_cents = posted + 1, posted_cents + payment.amount_cents
        else:
            unchanged += 1
    return PaymentCounts(posted=posted, unchanged=unchanged, posted_cents=posted_cents)


def receivables_as_of(connection: Connection, day: dt.date) -> dict[str, tuple[DueAmount, ...]]:
    """For every account with receivable entries dated on or before `day`, what remains owed per due date
    (oldest due debt cleared first); accounts owing nothing map to an empty tuple."""
    query = (
        select(
            journal_line.c.ledger_account,
            journal_entry.c.due_date,
            func.sum(journal_line.c.debit_cents).label("debits"),
            func.sum(journal_line.c.credit_cents).label("credits"),
        )
        .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
        .where(
            journal_line.c.ledger_account.startswith(RECEIVABLE_PREFIX), journal_entry.c.business_date <= day
        )
        .group_by(journal_line.c.ledger_account, journal_entry.c.due_date)
        .order_by(journal_line.c.ledger_account)
    )
    debits: dict[str, list[tuple[dt.date | None, int]]] = {}
    credits: dict[str, int] = {}
    for row in connection.execute(query):
        account = row.ledger_account.removeprefix(RECEIVABLE_PREFIX)
        debits.setdefault(account, []).append((row.due_date, int(row.debits)))
        credits[account] = credits.get(account, 0) + int(row.credits)
    return {account: outstanding_by_due_date(debits[account], credits[account]) for account in debits}
