"""The `interest` batch: one calendar day's interest on every account's overdue debt (schedules layer).

For day D it reads the prescribed rate of D's quarter (a quarter without one fails the batch: interest is
never guessed), what every account owes as of the end of D with the oldest due debt cleared first, and posts
one INTEREST entry per account that has interest for D (`domain.interest`, which explains the arithmetic and
the rounding). The scheduler runs it daily, after midnight, for the day before; `batch run interest --date D`
runs one day. What is owed is streamed by account, and the runner posts the entries a chunk of accounts at a
time (`schedules.runner`), so a national run holds a few hundred of the journal's per-account locks at once,
not 125,000. Entries are keyed `interest:<BN15>:<D>` (counted `entries`, with their `cents`), so a resumed or
forced rerun on an unchanged ledger posts nothing new (counted `unchanged`); a rerun after a payment was
back-dated into D is refused by the journal as a conflict (the ledger is append-only: a correction of the
interest charged would be an entry of its own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Final

from domain.interest import annual_interest_percent, interest_for_day
from domain.tariff import quarter_start
from ledger.statements import ALL_ACCOUNTS, AccountRange, Statements
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.errors import ReferenceDataMissing
from schedules.report import AccountWork

INTEREST: Final = "interest"


def run_interest(
    day: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange = ALL_ACCOUNTS
) -> Iterator[AccountWork]:
    """The entry charging every account (of `accounts`) its interest for `day` (a BatchJob).

    Raises:
        ReferenceDataMissing: no prescribed rate is loaded for the quarter of `day`.
    """
    prescribed = reader.reference.prescribed_rate(day)
    if prescribed is None:
        raise ReferenceDataMissing(
            f"No prescribed interest rate is loaded for the quarter starting {quarter_start(day)}, so the "
            f"interest of {day} cannot be charged (load it with `rates load --interest`)."
        )
    annual = annual_interest_percent(prescribed)
    for account, outstanding in Statements(reader.connection).receivables(day, accounts=accounts):
        entry = interest_for_day(account, day, outstanding, annual)
        if entry is not None:
            yield AccountWork(account=account, entries=(entry,))
