"""The daily notice batch: one notice per importer account with activity on a business day (schedules layer).

`run_daily_notices(day, reader, accounts)` reports the entries *posted* on business day `day`: the job's date
is the posting day, not the day it runs; the scheduler runs it Tuesday to Saturday after midnight ET for the
previous business day (schedules.calendar). Entries dated on a weekend day or a federal holiday go out with
the next business day's notice (its postedFrom..postedThrough), so running the job for every business day
reports every posting exactly once; for a day that is not a business day there is nothing to do. Each
notice goes, as `dn-<BN15>-<CCYYMMDD>.xml` (MIG.md §5), to the broker the importer named to receive its
statements; an importer with none is counted `undeliverable` and logged. The day's entries are read in one
query ordered by account and handed out one account at a time, each re-hashed before it is reported (a
tampered journal fails the batch). The runner queues the notices a chunk of accounts at a time
(`schedules.runner`): a notice already sent with the same bytes is counted `unchanged`, one that would now
read differently fails the batch (`IdempotencyConflict`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Final
from zoneinfo import ZoneInfo

from domain.calendar import ONE_DAY, HolidayCalendar, is_business_day
from domain.holidays_ca import CanadianHolidays
from domain.journal import PostedEntry
from domain.statement import Movement, receivable_movement, verify_posted
from ledger.statements import ALL_ACCOUNTS, AccountCursor, AccountRange, ReceivedVersion, Statements
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from outbound.daily_notice import DailyNotice, UnderReview, daily_notice_name, render_daily_notice
from schedules.report import AccountWork, delivery

JOB: Final = "daily-notices"
NOTICE_ZONE: Final = ZoneInfo("America/Toronto")  # DOMAIN.md: business days and notices are Eastern time
HOLIDAYS: Final = CanadianHolidays()  # federal holidays only (province None): the notice run is national
_SEARCH_LIMIT_DAYS: Final = 366  # a calendar without a business day in a year is broken


def run_daily_notices(
    business_date: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange = ALL_ACCOUNTS
) -> Iterator[AccountWork]:
    """The notice of every account (of `accounts`) with activity reported on `business_date` (a BatchJob)."""
    days = notice_days(business_date, HOLIDAYS)
    if days is None:
        return
    queries = Statements(reader.connection)
    postings = AccountCursor(
        queries.postings(*days, accounts=accounts), key=lambda posted: posted.entry.account
    )
    reviews = AccountCursor(_under_review(queries, *days, accounts), key=lambda version: version.account)
    recipients = AccountCursor(queries.recipients(accounts=accounts), key=lambda recipient: recipient.account)
    for account in _accounts_with_activity(postings, reviews):
        recipient = next(iter(recipients.take(account)), None)
        entries = postings.take(account)
        notice = DailyNotice(
            account=account,
            importer_name=recipient.importer_name if recipient else "",
            notice_date=business_date,
            posted_from=days[0],
            posted_through=days[1],
            movements=checked_movements(entries),
            under_review=tuple(_adjustment(version) for version in reviews.take(account)),
        )
        yield delivery(
            recipient,
            account,
            kind="dn",
            name=daily_notice_name(notice),
            content=render_daily_notice(notice),
            counts={"accounts": 1, "postings": len(entries)},
        )


def notice_days(notice_day: dt.date, holidays: HolidayCalendar) -> tuple[dt.date, dt.date] | None:
    """The posting days the notice of business day `notice_day` reports: the days after the business day
    before it, up to `notice_day` itself. None when `notice_day` is not a business day (federal holidays)."""
    if not is_business_day(notice_day, holidays, None):
        return None
    first = notice_day
    for _ in range(_SEARCH_LIMIT_DAYS):
        if is_business_day(first - ONE_DAY, holidays, None):
            return first, notice_day
        first -= ONE_DAY
    raise ValueError(f"no business day within {_SEARCH_LIMIT_DAYS} days before {notice_day}")


def checked_movements(entries: list[PostedEntry]) -> tuple[Movement, ...]:
    """The movements of one account's entries (in seq order), each verified against its hash and chain.

    Raises:
        domain.statement.TamperedEntry: an entry no longer matches what was posted.
    """
    previous: PostedEntry | None = None
    movements: list[Movement] = []
    for posted in entries:
        verify_posted(posted, previous)
        movements.append(receivable_movement(posted.entry, posted.seq))
        previous = posted
    return tuple(movements)


def _accounts_with_activity(
    *cursors: AccountCursor[PostedEntry] | AccountCursor[ReceivedVersion],
) -> Iterator[str]:
    """Every account found in any of the cursors, in order; the caller takes each account from every cursor
    before asking for the next one."""
    while heads := [account for cursor in cursors if (account := cursor.next_account()) is not None]:
        yield min(heads)


def _under_review(
    queries: Statements, first: dt.date, last: dt.date, accounts: AccountRange
) -> Iterator[ReceivedVersion]:
    """The adjustments received on the notice's days: replacing versions received on or after their due
    date, which `domain.postings.posting_kind` sends to review (whatever was decided since)."""
    since = dt.datetime.combine(first, dt.time(), tzinfo=NOTICE_ZONE)
    until = dt.datetime.combine(last + ONE_DAY, dt.time(), tzinfo=NOTICE_ZONE)
    for version in queries.replacements_received(since, until, accounts=accounts):
        if version.received_at.astimezone(NOTICE_ZONE).date() >= version.due_date:
            yield version


def _adjustment(version: ReceivedVersion) -> UnderReview:
    return UnderReview(
        transaction_number=version.transaction_number,
        version=version.version,
        received=version.received_at.astimezone(NOTICE_ZONE).date(),
        due_date=version.due_date,
        assessed_cents=version.assessed_cents,
    )
