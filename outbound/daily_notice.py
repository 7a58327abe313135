"""The daily notice as XML, `daily-notice-1.xsd` (outbound layer).

A `DailyNotice` is what was posted to one importer account on a business day (and the weekend days or
holidays just before it), plus the adjustments received then that wait for review. `render_daily_notice`
sorts the postings into the sections of DOMAIN.md "Daily notice" (`notice_section`) and writes the shipped
format, namespace `urn:carm-gateway:daily-notice:1`, validated against the XSD before anyone can queue it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final

from lxml import etree

from domain.calendar import ONE_DAY, PERIOD_END_DAY, billing_period, payment_due_date
from domain.journal import EntryKind
from domain.money import format_cents
from domain.statement import Movement
from outbound.schemas import DAILY_NOTICE_XSD, serialise_valid
from outbound.statement import CURRENCY, new_root, qualified, transactions_element

NAMESPACE: Final = "urn:carm-gateway:daily-notice:1"


class NoticeSection(StrEnum):
    """The posted sections of a daily notice, by their element names (the XSD orders them)."""

    DUE_ON_STATEMENT = "dueOnStatement"  # due on a statement's payment due date
    OWN_DUE_DATE = "ownDueDates"  # other transactions, with their own due dates (or due at once)
    PAYMENTS = "paymentsReceived"
    REFUNDS = "refundsIssued"


def notice_section(movement: Movement) -> NoticeSection:
    """Where a posted movement goes on the daily notice."""
    if movement.kind is EntryKind.PAYMENT:
        return NoticeSection.PAYMENTS
    if movement.kind is EntryKind.REFUND:
        return NoticeSection.REFUNDS
    if movement.due_date is not None and is_statement_due_date(movement.due_date):
        return NoticeSection.DUE_ON_STATEMENT
    return NoticeSection.OWN_DUE_DATE


@lru_cache(maxsize=4096)  # a notice run meets a handful of due dates, each many times
def is_statement_due_date(day: dt.date) -> bool:
    """Whether `day` is the payment due date of a billing period (that of the period ending on the 17th of
    its month, or of the month before: the 10th weekday after a 17th falls by the start of the next month)."""
    this_month = billing_period(day.replace(day=PERIOD_END_DAY))
    month_before = billing_period(this_month.start - ONE_DAY)
    return day in (payment_due_date(this_month), payment_due_date(month_before))


@dataclass(frozen=True, slots=True, kw_only=True)
class UnderReview:
    """An adjustment received in the notice's days that waits for CBSA review (nothing posted yet)."""

    transaction_number: str
    version: int
    received: dt.date
    due_date: dt.date
    assessed_cents: int  # the version's total duties and taxes


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyNotice:
    """One account's daily notice: its postings of `posted_from`..`posted_through`, in posting order."""

    account: str
    importer_name: str
    notice_date: dt.date
    posted_from: dt.date
    posted_through: dt.date
    movements: tuple[Movement, ...]
    under_review: tuple[UnderReview, ...] = ()

    @property
    def net_cents(self) -> int:
        return sum(movement.amount_cents for movement in self.movements)


def daily_notice_name(notice: DailyNotice) -> str:
    """The outbox name of a notice: `dn-<BN15>-<CCYYMMDD>.xml` (MIG.md §5)."""
    return f"dn-{notice.account}-{notice.notice_date:%Y%m%d}.xml"


def render_daily_notice(notice: DailyNotice) -> bytes:
    """The notice as daily-notice-1 XML, valid against the shipped XSD.

    Raises:
        outbound.schemas.SchemaViolation: the document breaks the XSD (a bug; nothing is sent).
    """
    root = new_root(NAMESPACE, "dailyNotice")
    root.set("account", notice.account)
    root.set("importerName", notice.importer_name)
    root.set("noticeDate", notice.notice_date.isoformat())
    root.set("postedFrom", notice.posted_from.isoformat())
    root.set("postedThrough", notice.posted_through.isoformat())
    root.set("currency", CURRENCY)
    root.set("net", format_cents(notice.net_cents))
    for section in NoticeSection:
        movements = [movement for movement in notice.movements if notice_section(movement) is section]
        transactions_element(root, NAMESPACE, section.value, movements)
        if section is NoticeSection.OWN_DUE_DATE:  # the XSD puts underReview after ownDueDates
            _under_review(root, notice.under_review)
    return serialise_valid(root, DAILY_NOTICE_XSD)


def _under_review(parent: etree._Element, adjustments: tuple[UnderReview, ...]) -> None:
    group = etree.SubElement(parent, qualified(NAMESPACE, "underReview"))
    for adjustment in adjustments:
        etree.SubElement(
            group,
            qualified(NAMESPACE, "adjustment"),
            transactionNumber=adjustment.transaction_number,
            version=str(adjustment.version),
            received=adjustment.received.isoformat(),
            dueDate=adjustment.due_date.isoformat(),
            assessed=format_cents(adjustment.assessed_cents),
        )
