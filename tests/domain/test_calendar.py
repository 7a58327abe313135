"""Business days, CAD due dates and the billing cycle, over fixed holiday calendars."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    NO_HOLIDAYS,
    PAYMENT_DUE_DATE_MOVES_OFF_HOLIDAYS,
    BillingPeriod,
    FixedHolidays,
    HolidayCalendar,
    add_business_days,
    billing_period,
    business_day_on_or_after,
    cad_due_date,
    is_business_day,
    is_weekday,
    next_business_day,
    payment_due_date,
    soa_date,
)

D = dt.date
ONE_DAY = dt.timedelta(days=1)
CHRISTMAS_2024 = FixedHolidays(days=frozenset({(D(2024, 12, 25), None), (D(2024, 12, 26), None)}))
SAINT_JEAN_2024 = FixedHolidays(days=frozenset({(D(2024, 6, 24), "QC")}))

dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31))
provinces = st.sampled_from([None, "ON", "QC"])


@st.composite
def calendars_near(draw: st.DrawFn, around: dt.date) -> FixedHolidays:
    """A calendar with a few holidays in the weeks after `around`, national or provincial."""
    offsets = draw(st.lists(st.integers(min_value=-3, max_value=30), max_size=12))
    return FixedHolidays(days=frozenset((around + dt.timedelta(days=o), draw(provinces)) for o in offsets))


def business_days_between(
    after: dt.date, until: dt.date, holidays: HolidayCalendar, province: str | None
) -> int:
    """How many business days d satisfy after < d ≤ until, counted one by one."""
    days = (after + dt.timedelta(days=n) for n in range(1, (until - after).days + 1))
    return sum(1 for d in days if is_business_day(d, holidays, province))


# Business days


def test_saturday_and_sunday_are_not_weekdays() -> None:
    assert [is_weekday(D(2024, 11, d)) for d in range(18, 25)] == [True] * 5 + [False] * 2


def test_a_holiday_is_a_weekday_but_not_a_business_day() -> None:
    assert is_weekday(D(2024, 12, 25))
    assert not is_business_day(D(2024, 12, 25), CHRISTMAS_2024, None)
    assert is_business_day(D(2024, 12, 24), CHRISTMAS_2024, None)


def test_a_provincial_holiday_is_a_business_day_elsewhere() -> None:
    assert not is_business_day(D(2024, 6, 24), SAINT_JEAN_2024, "QC")
    assert is_business_day(D(2024, 6, 24), SAINT_JEAN_2024, "ON")
    assert is_business_day(D(2024, 6, 24), SAINT_JEAN_2024, None)


def test_the_next_business_day_after_friday_is_monday() -> None:
    assert next_business_day(D(2024, 11, 22), NO_HOLIDAYS, None) == D(2024, 11, 25)


def test_the_next_business_day_skips_holidays() -> None:
    assert next_business_day(D(2024, 12, 24), CHRISTMAS_2024, None) == D(2024, 12, 27)


def test_a_business_day_is_its_own_first_business_day() -> None:
    assert business_day_on_or_after(D(2024, 11, 22), NO_HOLIDAYS, None) == D(2024, 11, 22)
    assert business_day_on_or_after(D(2024, 11, 23), NO_HOLIDAYS, None) == D(2024, 11, 25)


def test_adding_zero_business_days_changes_nothing_even_on_a_sunday() -> None:
    assert add_business_days(D(2024, 11, 24), 0, NO_HOLIDAYS, None) == D(2024, 11, 24)


def test_adding_negative_business_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_days(D(2024, 11, 24), -1, NO_HOLIDAYS, None)


def test_a_calendar_without_business_days_is_reported_not_looped_on() -> None:
    class AlwaysHoliday:
        def is_holiday(self, day: dt.date, province: str | None) -> bool:
            return True

    with pytest.raises(ValueError, match="no business day within 366 days after 2024-01-01"):
        next_business_day(D(2024, 1, 1), AlwaysHoliday(), None)


# The CAD due date


def test_a_release_on_a_monday_is_due_the_next_monday() -> None:
    assert cad_due_date(D(2024, 11, 18), NO_HOLIDAYS, None) == D(2024, 11, 25)


def test_a_release_on_a_saturday_counts_from_monday() -> None:
    assert cad_due_date(D(2024, 11, 23), NO_HOLIDAYS, None) == D(2024, 12, 2)


def test_a_release_on_a_sunday_counts_from_monday() -> None:
    assert cad_due_date(D(2024, 11, 24), NO_HOLIDAYS, None) == D(2024, 12, 2)


def test_a_release_on_a_holiday_counts_from_the_next_business_day() -> None:
    canada_day = FixedHolidays(days=frozenset({(D(2024, 7, 1), None)}))
    assert cad_due_date(D(2024, 7, 1), canada_day, "ON") == D(2024, 7, 9)


def test_christmas_holidays_push_the_due_date() -> None:
    # Day 0 Wed 18 Dec; 19, 20, 23, 24 are days 1-4; 25 and 26 are holidays; Fri 27 is day 5.
    assert cad_due_date(D(2024, 12, 18), CHRISTMAS_2024, "ON") == D(2024, 12, 27)


def test_a_quebec_holiday_delays_only_quebec_releases() -> None:
    assert cad_due_date(D(2024, 6, 20), SAINT_JEAN_2024, "QC") == D(2024, 6, 28)
    assert cad_due_date(D(2024, 6, 20), SAINT_JEAN_2024, "ON") == D(2024, 6, 27)


@given(dates, provinces, st.data())
def test_the_cad_due_date_is_five_business_days_after_the_first_business_day_of_release(
    release: dt.date, province: str | None, data: st.DataObject
) -> None:
    holidays = data.draw(calendars_near(release))
    due = cad_due_date(release, holidays, province)
    day_zero = release
    while not is_business_day(day_zero, holidays, province):
        day_zero += ONE_DAY
    assert is_business_day(due, holidays, province)
    assert due > release
    assert business_days_between(day_zero, due, holidays, province) == 5


# The billing cycle


@pytest.mark.parametrize(
    ("release", "start", "end"),
    [
        (D(2024, 11, 18), D(2024, 11, 18), D(2024, 12, 17)),
        (D(2024, 11, 17), D(2024, 10, 18), D(2024, 11, 17)),
        (D(2024, 1, 5), D(2023, 12, 18), D(2024, 1, 17)),
        (D(2024, 12, 31), D(2024, 12, 18), D(2025, 1, 17)),
        (D(2024, 2, 29), D(2024, 2, 18), D(2024, 3, 17)),
    ],
)
def test_a_billing_period_runs_from_the_18th_to_the_next_17th(
    release: dt.date, start: dt.date, end: dt.date
) -> None:
    assert billing_period(release) == BillingPeriod(start=start, end=end)


def test_a_billing_period_that_is_not_18th_to_17th_is_refused() -> None:
    with pytest.raises(ValueError, match="not a billing period"):
        BillingPeriod(start=D(2024, 11, 1), end=D(2024, 11, 30))
    with pytest.raises(ValueError, match="not a billing period"):
        BillingPeriod(start=D(2024, 11, 18), end=D(2025, 1, 17))


def test_a_billing_period_reads_as_its_two_dates() -> None:
    assert str(billing_period(D(2024, 11, 20))) == "2024-11-18..2024-12-17"


def test_the_statement_of_account_is_issued_on_the_25th() -> None:
    assert soa_date(billing_period(D(2024, 11, 1))) == D(2024, 11, 25)
    assert soa_date(billing_period(D(2024, 12, 20))) == D(2025, 1, 25)


def test_payment_for_the_period_ending_17_november_2024_is_due_29_november() -> None:
    assert payment_due_date(billing_period(D(2024, 11, 17))) == D(2024, 11, 29)


def test_payment_for_the_period_ending_17_december_2024_is_due_31_december() -> None:
    # Christmas and Boxing Day count as weekdays.
    assert payment_due_date(billing_period(D(2024, 12, 17)), CHRISTMAS_2024) == D(2024, 12, 31)


def test_a_payment_due_date_on_a_holiday_does_not_move() -> None:
    assert not PAYMENT_DUE_DATE_MOVES_OFF_HOLIDAYS  # the [U] assumption these examples pin down
    holiday = FixedHolidays(days=frozenset({(D(2024, 11, 29), None)}))
    assert payment_due_date(billing_period(D(2024, 11, 17)), holiday) == D(2024, 11, 29)


@given(dates)
def test_every_date_belongs_to_one_billing_period_and_the_periods_tile(day: dt.date) -> None:
    period = billing_period(day)
    assert day in period
    assert period.start <= day <= period.end
    assert (period.start.day, period.end.day) == (18, 17)
    assert billing_period(period.start - ONE_DAY).end == period.start - ONE_DAY
    assert billing_period(period.end + ONE_DAY).start == period.end + ONE_DAY
    assert all(billing_period(d) == period for d in (period.start, period.end))


@given(dates)
def test_payment_is_due_on_the_tenth_weekday_after_the_17th(day: dt.date) -> None:
    period = billing_period(day)
    due = payment_due_date(period)
    assert is_weekday(due)
    assert sum(1 for n in range(1, (due - period.end).days + 1) if is_weekday(period.end + n * ONE_DAY)) == 10
    assert soa_date(period) < due


def test_only_plain_dates_are_in_a_billing_period() -> None:
    period = billing_period(D(2024, 11, 20))
    assert D(2024, 11, 20) in period
    assert dt.datetime(2024, 11, 20, 12, 0) not in period
    assert "2024-11-20" not in period
