"""The late-accounting penalty of a CAD (domain layer).

DOMAIN.md "Due": a CAD is due 5 business days after release (day 0 the release, or the next business day when
the release falls on a Saturday, Sunday or holiday; `domain.calendar.cad_due_date`). One received after that
day draws the AMPS penalty C288, $100 per transaction, when its value for duty is more than $3,300. (C292,
the $100 penalty for late low-value accounting, belongs to courier low-value CADs and is not computed here.)
`late_accounting_entry` is the entry that posts it; whether it is posted at all is a setting of the shell
(`gateway.late_accounting_penalty`).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from domain.calendar import HolidayCalendar, cad_due_date
from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account

LATE_ACCOUNTING_PENALTY_CODE: Final = "C288"  # AMPS contravention: late accounting (DOMAIN.md) [H/M]
LATE_ACCOUNTING_PENALTY_CENTS: Final = 10_000  # $100 per transaction [H/M]
LATE_ACCOUNTING_VFD_THRESHOLD_CENTS: Final = 330_000  # only when the value for duty is more than $3,300 [H/M]
REVENUE_PENALTY: Final = "REVENUE:PENALTY"


def late_accounting_penalty(
    release_date: dt.date,
    received_on: dt.date,
    value_for_duty_cents: int,
    holidays: HolidayCalendar,
    province: str | None,
) -> int:
    """The C288 penalty in cents for a CAD received on `received_on` for goods released on `release_date`.

    Args:
        release_date: the day the goods were released.
        received_on: the business date the CAD was received (Eastern time).
        value_for_duty_cents: the CAD's total value for duty in CAD cents.
        holidays: the holiday calendar of business days.
        province: the province of the office of release (its holidays count), or None for federal only.

    Returns:
        10000 when the CAD came after its due date and its value for duty is over $3,300, else 0.
    """
    late = received_on > cad_due_date(release_date, holidays, province)
    if late and value_for_duty_cents > LATE_ACCOUNTING_VFD_THRESHOLD_CENTS:
        return LATE_ACCOUNTING_PENALTY_CENTS
    return 0


def late_accounting_entry(
    *, account: str, transaction_number: str, business_date: dt.date, due_date: dt.date, cents: int
) -> JournalEntry:
    """The PENALTY entry of a C288 penalty: debit the importer's receivable, credit penalty revenue.

    Keyed `penalty:C288:<transaction number>`, so a transaction is charged once whatever its versions.
    """
    return JournalEntry(
        account=account,
        idempotency_key=f"penalty:{LATE_ACCOUNTING_PENALTY_CODE}:{transaction_number}",
        kind=EntryKind.PENALTY,
        business_date=business_date,
        due_date=due_date,
        reference=transaction_number,
        description=f"AMPS {LATE_ACCOUNTING_PENALTY_CODE}: late accounting",
        lines=(
            JournalLine(ledger_account=receivable_account(account), debit_cents=cents),
            JournalLine(ledger_account=REVENUE_PENALTY, credit_cents=cents),
        ),
    )
