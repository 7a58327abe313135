"""The C288 late-accounting penalty: $100 when a CAD over $3,300 comes after its 5-business-day due date."""

from __future__ import annotations

import datetime as dt

from domain.calendar import NO_HOLIDAYS, FixedHolidays
from domain.holidays_ca import CanadianHolidays
from domain.journal import EntryKind
from domain.penalties import LATE_ACCOUNTING_PENALTY_CENTS, late_accounting_entry, late_accounting_penalty

WEDNESDAY = dt.date(2025, 6, 18)  # released; due 5 business days later, Wednesday 25 June
OVER = 330_001  # 3,300.01 of value for duty
LIMIT = 330_000  # 3,300.00: not more than $3,300


def test_a_cad_received_on_its_due_date_draws_no_penalty() -> None:
    assert late_accounting_penalty(WEDNESDAY, dt.date(2025, 6, 25), OVER, NO_HOLIDAYS, None) == 0


def test_a_cad_received_the_day_after_its_due_date_draws_100_dollars() -> None:
    assert late_accounting_penalty(WEDNESDAY, dt.date(2025, 6, 26), OVER, NO_HOLIDAYS, None) == 10_000
    assert LATE_ACCOUNTING_PENALTY_CENTS == 10_000


def test_a_late_cad_of_3300_dollars_or_less_draws_no_c288_penalty() -> None:
    assert late_accounting_penalty(WEDNESDAY, dt.date(2025, 7, 30), LIMIT, NO_HOLIDAYS, None) == 0


def test_a_holiday_of_the_province_of_release_moves_the_due_date() -> None:
    # 24 June is Saint-Jean-Baptiste in Quebec only: there the CAD is due Thursday 26 June.
    holidays = FixedHolidays(days=frozenset({(dt.date(2025, 6, 24), "QC")}))
    received = dt.date(2025, 6, 26)
    assert late_accounting_penalty(WEDNESDAY, received, OVER, holidays, "QC") == 0
    assert late_accounting_penalty(WEDNESDAY, received, OVER, holidays, "ON") == 10_000


def test_a_saturday_release_counts_from_monday_with_the_real_calendar() -> None:
    saturday = dt.date(2025, 6, 28)  # day 0 is Monday 30 June; 1 July (Canada Day) is not a business day
    holidays = CanadianHolidays()
    assert late_accounting_penalty(saturday, dt.date(2025, 7, 8), OVER, holidays, "ON") == 0
    assert late_accounting_penalty(saturday, dt.date(2025, 7, 9), OVER, holidays, "ON") == 10_000


def test_the_penalty_entry_is_charged_once_per_transaction_to_the_importers_receivable() -> None:
    entry = late_accounting_entry(
        account="123456782RM0001",
        transaction_number="10207003502332",
        business_date=dt.date(2025, 6, 26),
        due_date=dt.date(2025, 7, 31),
        cents=10_000,
    )
    assert entry.kind is EntryKind.PENALTY
    assert entry.idempotency_key == "penalty:C288:10207003502332"
    assert entry.is_balanced and entry.lines[0].ledger_account == "AR:123456782RM0001"
    assert entry.lines[1].ledger_account == "REVENUE:PENALTY"
