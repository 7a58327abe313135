"""Payments into the accounts-receivable ledger (ledger layer).

`post_payments` posts a loaded payments file in the caller's unit of work, all or nothing: every importer
must be registered, and each payment is a PAYMENT entry whose idempotency key `payment:<reference>` makes
a line loaded again a no-op and a reference reused for other content an `IdempotencyConflict`. What each
account owes as of a day (for the interest batch) streams from `ledger.statements.Statements.receivables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.payments import Payment, payment_entry
from ledger.errors import IdempotencyConflict, NotFound
from ledger.journal import PostOutcome
from ledger.unit_of_work import SqlAlchemyUnitOfWork


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
