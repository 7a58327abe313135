"""The `interest` batch: one calendar day's interest on every account's overdue debt (schedules layer).

For day D it reads the prescribed rate of D's quarter (a quarter without one fails the batch: interest is
never guessed), what every account owes as of the end of D with the oldest due debt cleared first, and posts
one INTEREST entry per account that has interest for D (`domain.interest`, which explains the arithmetic and
the rounding). The scheduler runs it daily, after midnight, for the day before; `batch run interest --date D`
runs one day. Entries are keyed `interest:<BN15>:<D>`, so a forced rerun on an unchanged ledger posts
nothing new; a rerun after a payment was back-dated into D is refused by the journal as a conflict (the
ledger is append-only: a correction of the interest charged would be an entry of its own).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from domain.interest import annual_interest_percent, interest_for_day
from domain.tariff import quarter_start
from ledger.journal import PostOutcome
from ledger.payments import receivables_as_of
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.errors import ReferenceDataMissing
from schedules.report import BatchReport

INTEREST: Final = "interest"


def run_interest(day: dt.date, uow: SqlAlchemyUnitOfWork) -> BatchReport:
    """Charge every account its interest for `day` (a BatchJob).

    Raises:
        ReferenceDataMissing: no prescribed rate is loaded for the quarter of `day`.
    """
    prescribed = uow.reference.prescribed_rate(day)
    if prescribed is None:
        raise ReferenceDataMissing(
            f"No prescribed interest rate is loaded for the quarter starting {quarter_start(day)}, so the "
            f"interest of {day} cannot be charged (load it with `rates load --interest`)."
        )
    annual = annual_interest_percent(prescribed)
    posted = unchanged = cents = 0
    for account, outstanding in receivables_as_of(uow.connection, day).items():
        entry = interest_for_day(account, day, outstanding, annual)
        if entry is None:
            continue
        if uow.journal.post(entry) is PostOutcome.POSTED:
            posted, cents = posted + 1, cents + entry.total_debits
        else:
            unchanged += 1
    return BatchReport(
        job=INTEREST, business_date=day, counts={"entries": posted, "unchanged": unchanged, "cents": cents}
    )
