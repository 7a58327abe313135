"""Money: integer cents, the one half-up rounding, formatting and percentages."""

from __future__ import annotations

from decimal import Decimal, Inexact
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import format_cents, from_cents, percent_of, to_cents

amounts = st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False, places=6)
any_finite_amounts = st.decimals(allow_nan=False, allow_infinity=False)
cents = st.integers(min_value=-(10**40), max_value=10**40)
percents = st.decimals(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False, places=4)


def test_the_worked_example_of_the_domain_holds() -> None:
    vfd = to_cents(Decimal("30000.00"))
    duty = percent_of(vfd, Decimal("6.5"))
    value_for_tax = vfd + duty
    gst = percent_of(value_for_tax, Decimal("5"))
    assert (duty, value_for_tax, gst, duty + gst) == (195_000, 3_195_000, 159_750, 354_750)
    assert [format_cents(c) for c in (duty, value_for_tax, gst, duty + gst)] == [
        "1950.00",
        "31950.00",
        "1597.50",
        "3547.50",
    ]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", 1),
        ("0.004999", 0),
        ("-0.005", -1),
        ("-0.004", 0),
        ("1.015", 102),
        ("2.675", 268),
        ("19.999", 2000),
        ("12", 1200),
        ("1E+30", 10**32),
    ],
)
def test_to_cents_rounds_half_up_with_ties_away_from_zero(amount: str, expected: int) -> None:
    assert to_cents(Decimal(amount)) == expected


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_to_cents_refuses_what_is_not_an_amount(amount: str) -> None:
    with pytest.raises(ValueError, match="cannot round"):
        to_cents(Decimal(amount))


@pytest.mark.parametrize(
    ("cents_value", "text"),
    [(195_000, "1950.00"), (-5, "-0.05"), (0, "0.00"), (7, "0.07"), (100, "1.00"), (-123_456, "-1234.56")],
)
def test_format_cents_writes_plain_dollars_with_two_decimals(cents_value: int, text: str) -> None:
    assert format_cents(cents_value) == text


def test_from_cents_keeps_two_decimal_places() -> None:
    assert from_cents(195_000) == Decimal("1950.00")
    assert str(from_cents(195_000)) == "1950.00"


def test_a_percentage_is_rounded_once_not_per_step() -> None:
    # 0.45 % of 1.11 is 0.004995: rounded once it is 0.00; rounded first to 3 places (0.005), then to
    # the cent, it would wrongly become 0.01.
    assert percent_of(111, Decimal("0.45")) == 0


def test_a_percentage_too_long_to_be_exact_is_refused_rather_than_rounded_twice() -> None:
    with pytest.raises(Inexact):
        percent_of(10**80 + 1, Decimal("1." + "1" * 60))


@given(amounts, amounts)
def test_to_cents_is_monotonic(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert to_cents(low) <= to_cents(high)


@given(any_finite_amounts)
def test_to_cents_is_within_half_a_cent_and_ties_go_away_from_zero(amount: Decimal) -> None:
    exact = Fraction(amount) * 100
    rounded = to_cents(amount)
    assert abs(rounded - exact) <= Fraction(1, 2)
    if abs(rounded - exact) == Fraction(1, 2):
        assert abs(rounded) > abs(exact)


@given(cents)
def test_cents_survive_the_round_trip_through_dollars(value: int) -> None:
    assert to_cents(from_cents(value)) == value
    assert Decimal(format_cents(value)) == from_cents(value)
    assert format_cents(value) == f"{from_cents(value):f}"  # the text Decimal itself writes


@given(st.integers(min_value=-(10**15), max_value=10**15), percents)
def test_percent_of_is_the_exact_percentage_rounded_half_up_once(amount: int, percent: Decimal) -> None:
    exact = Fraction(amount) * Fraction(percent) / 100
    result = percent_of(amount, percent)
    assert abs(result - exact) <= Fraction(1, 2)
    assert percent_of(amount, Decimal(100)) == amount
    assert percent_of(amount, Decimal(0)) == 0
