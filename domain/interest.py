"""Interest on overdue debt: what one account is charged for one day, and the entry that posts it (domain
layer).

DOMAIN.md "Interest": the prescribed rate of the quarter plus 6 points, from the day after the due date until
paid, compounded daily. On each calendar day D an account's overdue amount is what remains of its debt due
before D once its payments and credits have cleared the oldest due debt first (DOMAIN.md "Offsetting", the
rule of `domain.journal.outstanding_by_due_date`, which `ledger balance` shows too). The day's interest is
overdue × annual rate / `DAYS_PER_YEAR`, computed on the exact overdue cents and rounded once per account per
day by `domain.money.to_cents` (the project's one rounding): rounding the day's total rather than each debt
keeps the error to at most half a cent per account and day. Interest posted for D is itself due on D, so from
D + 1 it is overdue and draws interest: that is the daily compounding, and the ledger alone says what was
charged. A consequence of whole cents: an overdue amount whose day's interest is under half a cent (below
20.28 at 9 %) draws none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, localcontext
from typing import Final

from domain.journal import DueAmount, EntryKind, JournalEntry, JournalLine, receivable_account
from domain.money import format_cents, from_cents, to_cents

INTEREST_POINTS: Final = Decimal(6)  # DOMAIN.md "Interest" [H]: the prescribed rate + 6 percentage points
# [U] The annual rate is spread over 365 days in every year, leap years included (the Customs Act says
# "compounded daily" without a day count; CRA's published daily factors use 365). Correct it here.
DAYS_PER_YEAR: Final = 365
REVENUE_INTEREST: Final = "REVENUE:INTEREST"
# Significant digits of the day's exact interest before it is rounded to the cent: the division by the days
# of the year rarely ends, and 50 digits leave the one rounding by `to_cents` unaffected.
_DIGITS: Final = 50


def annual_interest_percent(prescribed_percent: Decimal) -> Decimal:
    """The annual interest rate in percent charged on overdue debt: the prescribed rate + 6 points."""
    return prescribed_percent + INTEREST_POINTS


def overdue_cents(outstanding: Iterable[DueAmount], on: dt.date) -> int:
    """What of the outstanding debt is overdue on day `on`: due before it (or due at once, no due date).

    Args:
        outstanding: what remains per due date after oldest-first clearing (`outstanding_by_due_date`).
        on: the day interest is computed for; debt due on `on` itself is not overdue yet.
    """
    return sum(item.amount_cents for item in outstanding if item.due_date is None or item.due_date < on)


def daily_interest_cents(overdue: int, annual_percent: Decimal) -> int:
    """One day's interest on `overdue` cents at `annual_percent` a year, rounded once to the cent.

    E.g. 1,000.00 at 9 %: 1000.00 × 0.09 / 365 = 0.246575… → 25 cents. Nothing is due on a credit balance.
    """
    if overdue <= 0:
        return 0
    with localcontext() as context:
        context.prec = _DIGITS
        exact = from_cents(overdue) * annual_percent / 100 / DAYS_PER_YEAR
    return to_cents(exact)


def interest_key(account: str, day: dt.date) -> str:
    """The idempotency key of an account's interest entry for a day: one entry per account per day."""
    return f"interest:{account}:{day.isoformat()}"


def interest_for_day(
    account: str, day: dt.date, outstanding: Iterable[DueAmount], annual_percent: Decimal
) -> JournalEntry | None:
    """The entry charging an account its interest for `day`, or None when nothing is overdue or due.

    Args:
        account: the importer's BN15.
        day: the calendar day charged.
        outstanding: what the account owes per due date at the end of `day`, oldest-first cleared.
        annual_percent: `annual_interest_percent` of the prescribed rate of the day's quarter.
    """
    overdue = overdue_cents(outstanding, day)
    cents = daily_interest_cents(overdue, annual_percent)
    if not cents:
        return None
    return interest_entry(
        account=account, day=day, cents=cents, overdue=overdue, annual_percent=annual_percent
    )


def interest_entry(
    *, account: str, day: dt.date, cents: int, overdue: int, annual_percent: Decimal
) -> JournalEntry:
    """The entry charging `cents` of interest for `day`: debit the receivable, credit interest revenue.

    The charge is due on `day` itself (overdue, and so compounded, from the next day).
    """
    return JournalEntry(
        account=account,
        idempotency_key=interest_key(account, day),
        kind=EntryKind.INTEREST,
        business_date=day,
        due_date=day,
        description=f"interest on {format_cents(overdue)} overdue at {annual_percent} % a year",
        lines=(
            JournalLine(ledger_account=receivable_account(account), debit_cents=cents),
            JournalLine(ledger_account=REVENUE_INTEREST, credit_cents=cents),
        ),
    )
