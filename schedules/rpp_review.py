"""The RPP annual review, on 20 October (schedules layer).

`run_rpp_review(day, reader, accounts)` reviews, on 20 October, every importer account that posted duties and
taxes in the review period (20 October of the year before to 19 October) or in the one before it; on any
other day it has nothing to do. Per account, the highest calendar month of duties and taxes, GST included (the
receivable movements of assessments, corrections, adjustments and cancellations; not interest, penalties or
payments), gives the security required (`domain.statement.rpp_requirement`). The previous review's
requirement is recomputed the same way from the period before, not stored: entries are dated by the day they
are posted and the journal is append-only, so the recomputation is exactly what that review found (had the
rules changed since, it would follow the new rules). An account whose requirement increased gets
`rpp-<BN15>-<CCYY>.xml` ("RPP - Annual Review", comply by 15 January), sent to the broker the importer named
to receive its statements (none: `undeliverable`). One grouped query streams months by account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Final

from domain.statement import (
    CAD_KINDS,
    RppReview,
    is_review_day,
    review_account,
    review_period,
)
from ledger.statements import ALL_ACCOUNTS, AccountCursor, AccountRange, MonthlyCharge, Statements
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from outbound.rpp_notice import render_rpp_notice, rpp_notice_name
from schedules.report import AccountWork, delivery

JOB: Final = "rpp-review"
INCREASED: Final = {"accounts": 1, "increased": 1}


def run_rpp_review(
    business_date: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange = ALL_ACCOUNTS
) -> Iterator[AccountWork]:
    """Review every account (of `accounts`) on 20 October; the notices of increases (a BatchJob)."""
    if not is_review_day(business_date):
        return
    queries = Statements(reader.connection)
    recipients = AccountCursor(queries.recipients(accounts=accounts), key=lambda recipient: recipient.account)
    for review in reviews(queries, business_date, accounts=accounts):
        if not review.increased:
            yield AccountWork(account=review.account, counts={"accounts": 1})
            continue
        recipient = next(iter(recipients.take(review.account)), None)
        content = render_rpp_notice(review, recipient.importer_name if recipient else "")
        yield delivery(
            recipient,
            review.account,
            kind="rpp",
            name=rpp_notice_name(review),
            content=content,
            counts=INCREASED,
        )


def reviews(
    queries: Statements, review_day: dt.date, *, accounts: AccountRange = ALL_ACCOUNTS
) -> Iterator[RppReview]:
    """The review of every account (of `accounts`) with duties and taxes in this review period or the one
    before, in account order."""
    previous = review_period(review_day.replace(year=review_day.year - 1))
    current = review_period(review_day)
    months = queries.monthly_charges(
        previous.start, current.end, current_from=current.start, kinds=CAD_KINDS, accounts=accounts
    )
    by_account = AccountCursor(months, key=lambda charge: charge.account)
    while (account := by_account.next_account()) is not None:
        charges = by_account.take(account)
        yield review_account(
            account,
            review_day,
            current=_by_month(charge for charge in charges if charge.in_current_period),
            previous=_by_month(charge for charge in charges if not charge.in_current_period),
        )


def _by_month(charges: Iterator[MonthlyCharge]) -> dict[dt.date, int]:
    return {charge.month: charge.cents for charge in charges}
