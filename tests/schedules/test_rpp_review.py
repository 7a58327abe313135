"""The RPP annual review: the requirement's bounds as laws, hand-computed requirements (minimum, maximum, bond
against cash), and on both stores a notice only where the requirement increased."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account
from domain.statement import (
    MAXIMUM_SECURITY_CENTS,
    MINIMUM_SECURITY_CENTS,
    RppRequirement,
    review_account,
    review_period,
    rpp_requirement,
)
from gateway.bootstrap import System
from outbound.schemas import RPP_NOTICE_XSD, safe_parser, schema
from schedules.report import BatchReport
from schedules.rpp_review import JOB
from tests.schedules.fakes import run_job
from tests.schedules.test_daily_notices import OTHER_SENDER, outbox

REVIEW_DAY = dt.date(2025, 10, 20)
RISING = "123456782RM0001"  # 20,000.00 at most a month last period, 30,000.00 now: notified
SMALL = "222222226RM0001"  # under the minimum both years: not notified
HUGE = "333333334RM0001"  # 30 M a month: capped at the maximum; no statements recipient
FALLING = "444444442RM0001"  # 100,000.00 last period, 50,000.00 now: not notified
SENDER = "DEMOBROKER"
NS = {"rpp": "urn:carm-gateway:rpp-notice:1"}

# --- the requirement ------------------------------------------------------------------------------------


def dollars(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.mark.parametrize(
    ("peak", "bond", "cash"),
    [
        ("0.00", "5000.00", "5000.00"),  # no duties at all: the minimum
        ("-250.00", "5000.00", "5000.00"),  # a month of refunds counts as nothing
        ("4000.00", "5000.00", "5000.00"),  # both under the minimum
        ("9000.00", "5000.00", "9000.00"),  # the bond's half is under the minimum, cash is not
        ("20000.00", "10000.00", "20000.00"),
        ("12345.67", "6172.84", "12345.67"),  # half of 12,345.67 is 6,172.835: rounded half up
        ("15000000.00", "7500000.00", "10000000.00"),  # cash capped at the maximum, the bond is not
        ("30000000.00", "10000000.00", "10000000.00"),  # both capped
    ],
)
def test_the_requirement_is_half_the_highest_month_as_a_bond_and_all_of_it_in_cash(
    peak: str, bond: str, cash: str
) -> None:
    assert rpp_requirement(dollars(peak)) == RppRequirement(
        bond_cents=dollars(bond), cash_cents=dollars(cash)
    )


@given(st.integers(-(10**12), 10**13))
def test_the_requirement_stays_between_the_minimum_and_the_maximum(peak: int) -> None:
    required = rpp_requirement(peak)
    assert MINIMUM_SECURITY_CENTS <= required.bond_cents <= required.cash_cents <= MAXIMUM_SECURITY_CENTS
    half = int((Decimal(max(peak, 0)) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert required.bond_cents == max(MINIMUM_SECURITY_CENTS, min(MAXIMUM_SECURITY_CENTS, half))
    assert required.cash_cents == max(MINIMUM_SECURITY_CENTS, min(MAXIMUM_SECURITY_CENTS, max(peak, 0)))


@given(st.integers(0, 10**13), st.integers(0, 10**13))
def test_a_higher_month_never_lowers_the_requirement(low: int, extra: int) -> None:
    before, after = rpp_requirement(low), rpp_requirement(low + extra)
    assert before.bond_cents <= after.bond_cents and before.cash_cents <= after.cash_cents


def test_a_review_covers_20_october_to_19_october_and_must_be_met_by_15_january() -> None:
    period = review_period(REVIEW_DAY)
    assert (period.start, period.end) == (dt.date(2024, 10, 20), dt.date(2025, 10, 19))
    review = review_account(RISING, REVIEW_DAY, current={dt.date(2025, 3, 1): 100}, previous={})
    assert review.compliance_date == dt.date(2026, 1, 15)
    assert not review.increased  # 1.00 needs the minimum, as did nothing at all


# --- the batch on both stores ---------------------------------------------------------------------------


def post(
    system: System, account: str, day: dt.date, dollars_text: str, kind: EntryKind = EntryKind.ASSESSMENT
) -> None:
    """Post `dollars_text` to the account's receivable on `day` (negative: a credit)."""
    cents = dollars(dollars_text)
    receivable = receivable_account(account)
    other = {EntryKind.PAYMENT: "CASH", EntryKind.INTEREST: "REVENUE:INTEREST"}.get(kind, "REVENUE:DUTY")
    debit, credit = (receivable, other) if cents > 0 else (other, receivable)
    with system.unit_of_work() as uow:
        uow.journal.post(
            JournalEntry(
                account=account,
                idempotency_key=f"{kind}:{account}:{day}:{dollars_text}",
                kind=kind,
                business_date=day,
                lines=(
                    JournalLine(ledger_account=debit, debit_cents=abs(cents)),
                    JournalLine(ledger_account=credit, credit_cents=abs(cents)),
                ),
            )
        )
        uow.commit()


@pytest.fixture
def reviewed(system: System) -> System:
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id=SENDER, bn15="100000009RM0001", name="Demo")
        uow.parties.add_broker(sender_id=OTHER_SENDER, bn15="200000008RM0001", name="Other")
        for account, name in ((RISING, "Rising"), (SMALL, "Small"), (HUGE, "Huge"), (FALLING, "Falling")):
            uow.parties.add_importer(bn15=account, name=name, province="ON")
            uow.parties.delegate(account, SENDER, receives_statements=False)
        uow.parties.delegate(RISING, SENDER, receives_statements=True)
        uow.parties.delegate(SMALL, OTHER_SENDER, receives_statements=True)
        uow.parties.delegate(FALLING, OTHER_SENDER, receives_statements=True)
        uow.commit()
    post(system, RISING, dt.date(2023, 10, 19), "900000.00")  # before the previous period: not counted
    post(system, RISING, dt.date(2024, 10, 19), "20000.00")  # the previous period's last day
    post(
        system, RISING, dt.date(2024, 10, 20), "15000.00"
    )  # this period's first day: not October 2024 of before
    post(system, RISING, dt.date(2025, 3, 3), "12000.00")
    post(system, RISING, dt.date(2025, 3, 28), "18000.00")  # March 2025: 30,000.00, the highest month
    post(system, RISING, dt.date(2025, 3, 15), "50000.00", EntryKind.INTEREST)  # not duties and taxes
    post(system, RISING, dt.date(2025, 3, 20), "-29000.00", EntryKind.PAYMENT)  # nor is a payment
    post(system, RISING, dt.date(2025, 4, 1), "25000.00")
    post(system, RISING, dt.date(2025, 4, 2), "-1000.00", EntryKind.CORRECTION)  # April: 24,000.00
    post(system, RISING, dt.date(2025, 10, 20), "99000.00")  # after the period
    post(system, SMALL, dt.date(2024, 5, 1), "3000.00")
    post(system, SMALL, dt.date(2025, 5, 1), "4000.00")
    post(system, HUGE, dt.date(2025, 6, 2), "30000000.00")
    post(system, FALLING, dt.date(2024, 1, 10), "100000.00")
    post(system, FALLING, dt.date(2025, 1, 10), "50000.00")
    return system


def run(system: System, day: dt.date = REVIEW_DAY) -> BatchReport:
    return run_job(system, JOB, day)


def test_only_the_accounts_whose_requirement_increased_are_notified(reviewed: System) -> None:
    report = run(reviewed)
    assert report.counts == {"accounts": 4, "increased": 2, "files": 1, "undeliverable": 1}
    assert list(outbox(reviewed, SENDER, prefix="rpp-")) == [f"rpp-{RISING}-2025.xml"]
    assert outbox(reviewed, OTHER_SENDER, prefix="rpp-") == {}


def test_the_notice_gives_the_highest_month_both_requirements_and_the_compliance_date(
    reviewed: System,
) -> None:
    run(reviewed)
    root = etree.fromstring(outbox(reviewed, SENDER, prefix="rpp-")[f"rpp-{RISING}-2025.xml"], safe_parser())
    assert schema(RPP_NOTICE_XSD).validate(root), schema(RPP_NOTICE_XSD).error_log
    assert root.get("title") == "RPP - Annual Review" and root.get("importerName") == "Rising"
    assert (root.get("periodStart"), root.get("periodEnd")) == ("2024-10-20", "2025-10-19")
    assert root.get("complianceDate") == "2026-01-15"

    def attributes(name: str) -> dict[str, str]:
        element = root.find(f"rpp:{name}", NS)
        assert element is not None
        return dict(element.attrib)

    assert attributes("highestMonth") == {"month": "2025-03", "amount": "30000.00"}
    assert attributes("previousRequirement") == {"bond": "10000.00", "cash": "20000.00"}
    assert attributes("requirement") == {"bond": "15000.00", "cash": "30000.00"}


def test_the_review_runs_on_20_october_only_and_a_rerun_queues_nothing(reviewed: System) -> None:
    assert run(reviewed, dt.date(2025, 10, 19)).counts == {}
    assert run(reviewed, dt.date(2025, 10, 21)).counts == {}
    run(reviewed)
    assert run(reviewed).counts == {"accounts": 4, "increased": 2, "unchanged": 1, "undeliverable": 1}
