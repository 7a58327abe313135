"""Interest arithmetic: the prescribed rate + 6 points over 365 days, compounded daily, rounded once a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.interest import (
    REVENUE_INTEREST,
    annual_interest_percent,
    daily_interest_cents,
    interest_for_day,
    overdue_cents,
)
from domain.journal import DueAmount, EntryKind, outstanding_by_due_date

ACCOUNT = "123456782RM0001"
DUE = dt.date(2025, 7, 31)


def compound(overdue: int, annual_percent: Decimal, days: int) -> list[int]:
    """Each day's interest when each day's is posted and overdue from the next day (daily compounding)."""
    charged: list[int] = []
    for _ in range(days):
        charged.append(daily_interest_cents(overdue + sum(charged), annual_percent))
    return charged


def test_the_annual_rate_is_the_prescribed_rate_plus_six_points() -> None:
    assert annual_interest_percent(Decimal(3)) == Decimal(9)
    assert annual_interest_percent(Decimal("4.25")) == Decimal("10.25")


def test_one_thousand_dollars_overdue_at_nine_percent_for_ten_days() -> None:
    # 3 % prescribed + 6 points = 9 % a year, over 365 days; each day on the overdue of that day:
    #   day 1:  1000.00 × 0.09 / 365 = 0.246575… → 0.25   overdue becomes 1000.25
    #   day 2:  1000.25 × 0.09 / 365 = 0.246636… → 0.25   overdue becomes 1000.50
    #   ...
    #   day 10: 1002.25 × 0.09 / 365 = 0.247130… → 0.25   overdue becomes 1002.50
    # The compounding is there (the day's exact interest grows by 0.0000616 a day) but stays under the
    # 0.255 that would round to 0.26: ten days cost 2.50.
    charged = compound(100_000, annual_interest_percent(Decimal(3)), 10)
    assert charged == [25] * 10
    assert sum(charged) == 250


def test_compounding_shows_in_the_cents_of_a_larger_debt() -> None:
    # 100,000.00 at 9 %: day 1 100000.00 × 0.09/365 = 24.657534… → 24.66; day 2 on 100024.66 = 24.663614…
    # → 24.66; day 3 on 100049.32 = 24.669695… → 24.67; day 4 on 100073.99 = 24.675778… → 24.68; day 5 on
    # 100098.67 = 24.681863… → 24.68; day 6 on 100123.35 = 24.687949… → 24.69; day 7 on 100148.04 =
    # 24.694037… → 24.69; day 8 on 100172.73 = 24.700125… → 24.70; day 9 on 100197.43 = 24.706215… → 24.71;
    # day 10 on 100222.14 = 24.712308… → 24.71. Total 246.85 (simple interest would be 246.58).
    charged = compound(10_000_000, Decimal(9), 10)
    assert charged == [2466, 2466, 2467, 2468, 2468, 2469, 2469, 2470, 2471, 2471]
    assert sum(charged) == 24_685


def test_the_day_is_rounded_once_half_up_so_a_small_debt_can_draw_nothing() -> None:
    assert daily_interest_cents(2028, Decimal(9)) == 1  # 20.28 × 0.09 / 365 = 0.0050005… → 0.01
    assert daily_interest_cents(2027, Decimal(9)) == 0  # 20.27 × 0.09 / 365 = 0.0049980… → 0.00
    assert daily_interest_cents(0, Decimal(9)) == 0
    assert daily_interest_cents(-5_000, Decimal(9)) == 0  # a credit balance draws nothing


def test_only_debt_due_before_the_day_is_overdue() -> None:
    outstanding = (
        DueAmount(due_date=dt.date(2025, 7, 30), amount_cents=100),
        DueAmount(due_date=DUE, amount_cents=200),
        DueAmount(due_date=None, amount_cents=5),  # due at once
    )
    assert overdue_cents(outstanding, DUE) == 105  # not yet the debt due that very day
    assert overdue_cents(outstanding, DUE + dt.timedelta(days=1)) == 305


def test_a_payment_clears_the_oldest_debt_first_before_interest_is_counted() -> None:
    # 300.00 due 31 July and 700.00 due 29 August; 300.00 paid: what is overdue on 1 August is nothing.
    outstanding = outstanding_by_due_date([(DUE, 30_000), (dt.date(2025, 8, 29), 70_000)], 30_000)
    assert overdue_cents(outstanding, dt.date(2025, 8, 1)) == 0
    assert interest_for_day(ACCOUNT, dt.date(2025, 8, 1), outstanding, Decimal(9)) is None


def test_the_interest_entry_debits_the_receivable_and_is_due_the_day_it_is_charged() -> None:
    day = dt.date(2025, 8, 1)
    entry = interest_for_day(ACCOUNT, day, (DueAmount(due_date=DUE, amount_cents=100_000),), Decimal(9))
    assert entry is not None
    assert entry.kind is EntryKind.INTEREST
    assert entry.idempotency_key == "interest:123456782RM0001:2025-08-01"
    assert (entry.business_date, entry.due_date) == (day, day)
    assert [(line.ledger_account, line.debit_cents, line.credit_cents) for line in entry.lines] == [
        ("AR:123456782RM0001", 25, 0),
        (REVENUE_INTEREST, 0, 25),
    ]
    assert entry.is_balanced


@given(
    overdue=st.integers(min_value=0, max_value=10**13),
    percent=st.decimals(min_value=0, max_value=100, places=4),
)
def test_a_day_never_costs_more_than_the_annual_rate_allows(overdue: int, percent: Decimal) -> None:
    charged = daily_interest_cents(overdue, percent)
    exact = Decimal(overdue) * percent / 100 / 365
    assert abs(Decimal(charged) - exact) <= Decimal("0.5")


@pytest.mark.parametrize("percent", [Decimal(6), Decimal(9), Decimal("11.5")])
def test_more_overdue_never_draws_less_interest(percent: Decimal) -> None:
    amounts = [daily_interest_cents(cents, percent) for cents in range(0, 100_000, 997)]
    assert amounts == sorted(amounts)
