"""The daily notice XML: its sections, its name, and the shipped XSD it must pass before it can be queued."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from domain.calendar import billing_period, payment_due_date
from domain.journal import EntryKind
from domain.statement import Movement
from outbound.daily_notice import (
    DailyNotice,
    NoticeSection,
    UnderReview,
    daily_notice_name,
    is_statement_due_date,
    notice_section,
    render_daily_notice,
)
from outbound.schemas import SchemaViolation

ACCOUNT = "123456782RM0001"
DAY = dt.date(2025, 6, 20)
NS = {"dn": "urn:carm-gateway:daily-notice:1"}


def movement(
    kind: EntryKind, cents: int, due: dt.date | None = dt.date(2025, 7, 31), reference: str = "R"
) -> Movement:
    return Movement(
        seq=1,
        kind=kind,
        business_date=DAY,
        due_date=due,
        reference=reference,
        description="",
        amount_cents=cents,
    )


def notice(
    *movements: Movement, account: str = ACCOUNT, under_review: tuple[UnderReview, ...] = ()
) -> DailyNotice:
    return DailyNotice(
        account=account,
        importer_name="Importateur Québec & fils",
        notice_date=DAY,
        posted_from=DAY,
        posted_through=DAY,
        movements=movements,
        under_review=under_review,
    )


@pytest.mark.parametrize(
    ("item", "section"),
    [
        (movement(EntryKind.ASSESSMENT, 32533), NoticeSection.DUE_ON_STATEMENT),
        (movement(EntryKind.CORRECTION, -1204), NoticeSection.DUE_ON_STATEMENT),
        (movement(EntryKind.INTEREST, 12, due=DAY), NoticeSection.OWN_DUE_DATE),
        (movement(EntryKind.PENALTY, 10000, due=None), NoticeSection.OWN_DUE_DATE),
        (
            movement(EntryKind.ASSESSMENT, 500, due=dt.date(2025, 7, 24)),
            NoticeSection.OWN_DUE_DATE,
        ),  # a CLVS 24th
        (movement(EntryKind.PAYMENT, -10000, due=None), NoticeSection.PAYMENTS),
        (movement(EntryKind.REFUND, 2500, due=None), NoticeSection.REFUNDS),
    ],
)
def test_each_posting_goes_to_its_section(item: Movement, section: NoticeSection) -> None:
    assert notice_section(item) is section


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 1)))
def test_every_periods_payment_due_date_is_a_statement_due_date(day: dt.date) -> None:
    due = payment_due_date(billing_period(day))
    assert is_statement_due_date(due)
    assert not is_statement_due_date(due + dt.timedelta(days=1))


def test_the_statement_due_dates_of_domain_md_and_one_early_in_a_month() -> None:
    assert is_statement_due_date(dt.date(2024, 11, 29)) and is_statement_due_date(dt.date(2024, 12, 31))
    assert is_statement_due_date(dt.date(2025, 3, 3))  # the period ending on Monday 2025-02-17
    assert not is_statement_due_date(dt.date(2025, 3, 4))


def test_the_notice_is_valid_and_lists_each_section_with_its_total() -> None:
    content = render_daily_notice(
        notice(
            movement(EntryKind.ASSESSMENT, 32533, reference="10207003502332"),
            movement(EntryKind.PAYMENT, -10000, due=None, reference="PAY-1"),
            under_review=(
                UnderReview(
                    transaction_number="10207003502332",
                    version=2,
                    received=DAY,
                    due_date=DAY,
                    assessed_cents=26026,
                ),
            ),
        )
    )
    root = etree.fromstring(content)
    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert root.get("importerName") == "Importateur Québec & fils" and root.get("net") == "225.33"
    sections = [etree.QName(child).localname for child in root]
    assert sections == ["dueOnStatement", "ownDueDates", "underReview", "paymentsReceived", "refundsIssued"]
    assert root.find("dn:dueOnStatement", NS).get("total") == "325.33"  # type: ignore[union-attr]
    payment = root.find("dn:paymentsReceived/dn:transaction", NS)
    assert payment is not None and "dueDate" not in payment.attrib and payment.get("amount") == "-100.00"
    review = root.find("dn:underReview/dn:adjustment", NS)
    assert review is not None and review.get("assessed") == "260.26"


def test_the_notice_is_named_by_account_and_day() -> None:
    assert daily_notice_name(notice()) == "dn-123456782RM0001-20250620.xml"


def test_a_notice_that_breaks_the_xsd_is_never_produced() -> None:
    with pytest.raises(SchemaViolation, match=r"daily-notice-1\.xsd: line 2: .*account"):
        render_daily_notice(notice(account="123456782"))
    with pytest.raises(SchemaViolation, match="reference"):
        render_daily_notice(notice(movement(EntryKind.ASSESSMENT, 1, reference="X" * 61)))
