"""Canadian holidays from the `holidays` package: federal everywhere, statutory ones per province."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import HolidayCalendar, cad_due_date, is_business_day
from domain.holidays_ca import CanadianHolidays

D = dt.date
CALENDAR = CanadianHolidays()  # one shared instance: its cache is what production relies on


@pytest.mark.parametrize("province", [None, "ON", "QC", "BC", "NL", "YT"])
@pytest.mark.parametrize(
    "day",
    [
        D(2024, 1, 1),  # New Year's Day
        D(2024, 3, 29),  # Good Friday
        D(2024, 5, 20),  # Victoria Day (National Patriots' Day in QC, the same Monday)
        D(2024, 7, 1),  # Canada Day
        D(2024, 9, 2),  # Labour Day
        D(2024, 9, 30),  # National Day for Truth and Reconciliation (federal)
        D(2024, 10, 14),  # Thanksgiving
        D(2024, 11, 11),  # Remembrance Day (federal, though not statutory in ON or QC)
        D(2024, 12, 25),  # Christmas Day
        D(2024, 12, 26),  # Boxing Day (federal, though not statutory in QC)
    ],
)
def test_federal_holidays_hold_in_every_province(day: dt.date, province: str | None) -> None:
    assert CALENDAR.is_holiday(day, province)


def test_saint_jean_baptiste_is_a_holiday_in_quebec_only() -> None:
    assert CALENDAR.is_holiday(D(2024, 6, 24), "QC")
    assert not CALENDAR.is_holiday(D(2024, 6, 24), "ON")
    assert not CALENDAR.is_holiday(D(2024, 6, 24), None)


def test_family_day_is_a_holiday_in_ontario_but_not_in_quebec_or_federally() -> None:
    assert CALENDAR.is_holiday(D(2024, 2, 19), "ON")
    assert not CALENDAR.is_holiday(D(2024, 2, 19), "QC")
    assert not CALENDAR.is_holiday(D(2024, 2, 19), None)


def test_the_august_civic_holiday_is_statutory_in_british_columbia_but_not_in_ontario() -> None:
    # The package files Ontario's Civic Holiday under `optional` (not an Employment Standards Act public
    # holiday), which we leave out; British Columbia Day is a BC statutory holiday.
    assert CALENDAR.is_holiday(D(2024, 8, 5), "BC")
    assert not CALENDAR.is_holiday(D(2024, 8, 5), "ON")


def test_easter_monday_is_a_business_day() -> None:
    assert not CALENDAR.is_holiday(D(2024, 4, 1), "ON")
    assert not CALENDAR.is_holiday(D(2024, 4, 1), "QC")


def test_a_holiday_on_a_weekend_is_observed_on_the_following_weekday() -> None:
    # 2022: New Year's Day on a Saturday, Christmas on a Sunday and Boxing Day on the Monday.
    assert CALENDAR.is_holiday(D(2022, 1, 3), None)
    assert CALENDAR.is_holiday(D(2022, 12, 27), "ON")


def test_an_ordinary_weekday_is_not_a_holiday() -> None:
    assert not CALENDAR.is_holiday(D(2024, 11, 20), "ON")


def test_an_unknown_province_code_is_refused() -> None:
    with pytest.raises(ValueError, match="'ZZ' is not a Canadian province or territory code"):
        CanadianHolidays().is_holiday(D(2024, 1, 2), "ZZ")


def test_each_year_and_province_is_computed_once() -> None:
    calendar = CanadianHolidays()
    first = calendar.holidays_in(2024, "QC")
    assert calendar.holidays_in(2024, "QC") is first
    assert calendar.holidays_in(2024, "ON") is not first
    assert D(2024, 6, 24) in first


def test_the_quebec_national_holiday_delays_a_quebec_cad_by_one_day() -> None:
    calendar: HolidayCalendar = CALENDAR
    # Released Thursday 20 June 2024: QC skips Monday 24 June.
    assert cad_due_date(D(2024, 6, 20), calendar, "QC") == D(2024, 6, 28)
    assert cad_due_date(D(2024, 6, 20), calendar, "ON") == D(2024, 6, 27)


def test_a_cad_released_before_christmas_in_ontario_is_due_after_boxing_day() -> None:
    assert cad_due_date(D(2024, 12, 20), CALENDAR, "ON") == D(2024, 12, 31)


@given(
    st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    st.sampled_from([None, "ON", "QC", "BC", "AB"]),
)
def test_the_due_date_under_real_holidays_is_a_business_day_after_release(
    release: dt.date, province: str | None
) -> None:
    due = cad_due_date(release, CALENDAR, province)
    assert is_business_day(due, CALENDAR, province)
    assert 5 <= (due - release).days <= 14
