"""The statement of account batch, on the 25th of every month (schedules layer).

`run_statements(day, reader, accounts)` issues, on the 25th, the statements of the billing period from the
18th of the month before to the 17th (DOMAIN.md "Billing period"); on any other day it has nothing to do.
Every importer account with a balance or activity gets one: its opening balance (everything posted before the
period), every entry posted in the period whichever broker filed it, and its closing balance, amount due and
payment due date; as `soa-<BN15>-<CCYYMM>.xml` (MIG.md §5) to the broker the importer named to receive its
statements (none: `undeliverable`). Before anything is written, the arithmetic is checked against the ledger:
opening + movements must equal the closing balance summed by a separate query up to the period's end, and
every entry listed is re-hashed; a mismatch or a tampered entry fails the batch with the account named.

Memory stays flat however many accounts there are: three queries stream ordered by account (the closing
balances, which drive; the opening balances; the period's entries with their lines) plus the recipients,
and they are merged one account at a time; the runner queues the statements a chunk of accounts at a time
(`schedules.runner`), and a resumed run starts its queries after the last account done. `statement_of`
builds one account's statement the same way, for `carm-gateway ledger statement`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Final

from domain.calendar import BillingPeriod
from domain.statement import Statement, StatementMismatch, build_statement, statement_period
from ledger.statements import ALL_ACCOUNTS, AccountCursor, AccountRange, Recipient, Statements
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from outbound.statement import render_statement, statement_name
from schedules.daily_notices import checked_movements
from schedules.report import AccountWork, delivery

JOB: Final = "statements"


def run_statements(
    business_date: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange = ALL_ACCOUNTS
) -> Iterator[AccountWork]:
    """The statement of every account (of `accounts`) issued on `business_date`, the 25th (a BatchJob)."""
    period = statement_period(business_date)
    if period is None:
        return
    for statement, recipient in stream_statements(Statements(reader.connection), period, accounts=accounts):
        yield delivery(
            recipient,
            statement.account,
            kind="soa",
            name=statement_name(statement),
            content=render_statement(statement),
            counts={"accounts": 1, "postings": len(statement.movements)},
        )


def statement_of(uow: SqlAlchemyUnitOfWork, account: str, period: BillingPeriod) -> Statement:
    """The checked statement of one registered importer for `period` (all zero when it had nothing).

    Raises:
        ledger.errors.NotFound: no such importer.
        domain.statement.StatementMismatch: the arithmetic disagrees with the ledger, or it was tampered with.
    """
    importer = uow.parties.importer(account)
    for statement, _ in stream_statements(Statements(uow.connection), period, account=account):
        return statement
    return build_statement(
        account=account,
        importer_name=importer.name,
        period=period,
        opening_cents=0,
        movements=(),
        ledger_closing_cents=0,
    )


def stream_statements(
    queries: Statements,
    period: BillingPeriod,
    *,
    account: str | None = None,
    accounts: AccountRange = ALL_ACCOUNTS,
) -> Iterator[tuple[Statement, Recipient | None]]:
    """The checked statement of every account with a balance or activity (or of `account` alone; or of the
    accounts of `accounts`), in account order, with the broker that receives it.

    Raises:
        domain.statement.StatementMismatch: naming the first account whose arithmetic or entries are wrong.
    """
    openings = AccountCursor(
        queries.receivable_balances(before=period.start, account=account, accounts=accounts), key=_first
    )
    postings = AccountCursor(
        queries.postings(period.start, period.end, account=account, accounts=accounts),
        key=lambda posted: posted.entry.account,
    )
    recipients = AccountCursor(
        queries.recipients(account=account, accounts=accounts), key=lambda recipient: recipient.account
    )
    closings = queries.receivable_balances(through=period.end, account=account, accounts=accounts)
    for holder, closing in closings:
        opening = sum(cents for _, cents in openings.take(holder, skipped=_not_in_closing))
        entries = postings.take(holder, skipped=_not_in_closing)
        recipient = next(iter(recipients.take(holder)), None)
        if opening == 0 and closing == 0 and not entries:
            continue  # settled before the period and idle in it: no statement
        statement = build_statement(
            account=holder,
            importer_name=recipient.importer_name if recipient else "",
            period=period,
            opening_cents=opening,
            movements=checked_movements(entries),
            ledger_closing_cents=closing,
        )
        yield statement, recipient
    for cursor in (openings, postings):
        left = cursor.next_account()
        if left is not None:
            _not_in_closing(left)


def _first(balance: tuple[str, int]) -> str:
    return balance[0]


def _not_in_closing(account: str) -> None:
    raise StatementMismatch(
        account, "it has a balance or entries that the ledger's sum up to the period's end does not include"
    )
