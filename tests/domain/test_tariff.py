"""The tariff as values: rate forms, effective dates, the edition in force, treatments and snapshots."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tariff import (
    ExchangeRate,
    InMemoryTariff,
    InvalidReferenceData,
    PrescribedRate,
    Rate,
    RateForm,
    ReferenceSnapshot,
    TariffEdition,
    TariffItem,
    Treatment,
    edition_in_force,
    quarter_start,
)

D = Decimal
MFN = Treatment(code="2", name="MFN")
UST = Treatment(code="10", name="UST", countries=frozenset({"US"}))
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def item(
    *rates: Rate, uom: str | None = "KGM", effective: date = date(2026, 1, 1), expires: date | None = None
) -> TariffItem:
    return TariffItem(
        number="0406909900",
        uom=uom,
        description="Other cheese",
        effective=effective,
        expires=expires,
        rates=rates,
    )


def edition(name: str, sequence: int, effective: date, *items: TariffItem) -> TariffEdition:
    return TariffEdition(
        edition=name, sequence=sequence, effective=effective, treatments=(MFN, UST), items=items
    )


@pytest.mark.parametrize(
    ("parts", "form"),
    [
        ({"free": True}, RateForm.FREE),
        ({"ad_valorem": D("6.5")}, RateForm.AD_VALOREM),
        ({"specific": D("0.0332")}, RateForm.SPECIFIC),
        ({"ad_valorem": D("17"), "specific": D("0.1978")}, RateForm.COMPOUND),
        ({"ad_valorem": D("245.5"), "minimum": D("3.53")}, RateForm.MINIMUM),
        ({"ad_valorem": D("5"), "minimum": D("0.0474"), "maximum": D("0.0948")}, RateForm.MINIMUM_MAXIMUM),
    ],
)
def test_every_form_of_mig_section_6_makes_a_rate(parts: dict[str, object], form: RateForm) -> None:
    assert Rate(treatment="2", **parts).form is form  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "parts",
    [
        {},
        {"free": True, "ad_valorem": D("5")},
        {"specific": D("1"), "minimum": D("1")},
        {"ad_valorem": D("5"), "maximum": D("1")},
        {"minimum": D("1")},
        {"ad_valorem": D("5"), "specific": D("1"), "minimum": D("1")},
    ],
)
def test_a_rate_that_is_none_of_the_forms_is_refused(parts: dict[str, object]) -> None:
    with pytest.raises(InvalidReferenceData, match="a rate cannot be"):
        Rate(treatment="2", **parts)  # type: ignore[arg-type]


def test_a_negative_part_or_a_maximum_below_the_minimum_is_refused() -> None:
    with pytest.raises(InvalidReferenceData, match=">= 0"):
        Rate(treatment="2", ad_valorem=D("-1"))
    with pytest.raises(InvalidReferenceData, match="below minimum"):
        Rate(treatment="2", ad_valorem=D("5"), minimum=D("2"), maximum=D("1"))


def test_a_treatment_code_is_the_tariff_s_number_without_leading_zero() -> None:
    with pytest.raises(InvalidReferenceData, match="'02'"):
        Rate(treatment="02", free=True)


def test_an_item_with_a_rate_per_unit_needs_a_unit_of_measure() -> None:
    with pytest.raises(InvalidReferenceData, match="no unit"):
        item(Rate(treatment="2", specific=D("0.0332")), uom=None)
    assert item(Rate(treatment="2", ad_valorem=D("6.5")), uom=None).uom is None


def test_two_rates_of_one_treatment_may_follow_each_other_but_not_overlap() -> None:
    first = Rate(treatment="2", ad_valorem=D("18"), expires=date(2026, 7, 1))
    later = Rate(treatment="2", ad_valorem=D("15"), effective=date(2026, 7, 1))
    assert len(item(first, later).rates) == 2
    with pytest.raises(InvalidReferenceData, match="overlapping"):
        item(first, Rate(treatment="2", ad_valorem=D("15"), effective=date(2026, 6, 30)))
    with pytest.raises(InvalidReferenceData, match="overlapping"):
        item(Rate(treatment="2", free=True), Rate(treatment="2", ad_valorem=D("1")))


@given(effective=dates, length=st.integers(min_value=1, max_value=3000), on=dates)
def test_an_item_is_in_force_from_its_effective_date_until_the_day_before_it_expires(
    effective: date, length: int, on: date
) -> None:
    expires = effective + timedelta(days=length)
    tariff_item = item(Rate(treatment="2", free=True), effective=effective, expires=expires)
    assert tariff_item.in_force(on) == (effective <= on < expires)
    assert (tariff_item.rate_for("2", on) is not None) == (effective <= on < expires)


def test_a_rate_that_starts_later_applies_from_its_own_date() -> None:
    first = Rate(treatment="2", ad_valorem=D("18"), expires=date(2026, 7, 1))
    later = Rate(treatment="2", ad_valorem=D("15"), effective=date(2026, 7, 1))
    preference = Rate(treatment="10", free=True, effective=date(2026, 3, 1))
    tariff_item = item(first, later, preference)
    assert tariff_item.rate_for("2", date(2026, 6, 30)) == first
    assert tariff_item.rate_for("2", date(2026, 7, 1)) == later
    assert tariff_item.rate_for("10", date(2026, 2, 28)) is None
    assert tariff_item.rate_for("10", date(2026, 3, 1)) == preference
    assert tariff_item.rate_for("31", date(2026, 3, 1)) is None  # no rate: not available for this item


@given(st.lists(st.tuples(dates, st.integers(min_value=1, max_value=50)), max_size=6), dates)
def test_the_edition_in_force_is_the_latest_effective_on_or_before_the_date(
    headers: list[tuple[date, int]], on: date
) -> None:
    editions = [edition(f"E{n}", n, effective) for n, (effective, _) in enumerate(headers, start=1)]
    found = edition_in_force(editions, on)
    eligible = [e for e in editions if e.effective <= on]
    if not eligible:
        assert found is None
    else:
        assert found is not None and found.effective == max(e.effective for e in eligible)
        assert found.sequence == max(e.sequence for e in eligible if e.effective == found.effective)


def test_an_edition_refuses_rates_of_treatments_it_does_not_define_and_items_given_twice() -> None:
    with pytest.raises(InvalidReferenceData, match=r"unknown treatments \['31'\]"):
        edition("T", 1, date(2026, 1, 1), item(Rate(treatment="31", free=True)))
    with pytest.raises(InvalidReferenceData, match="twice"):
        edition("T", 1, date(2026, 1, 1), item(), item())


def test_a_treatment_without_countries_allows_any_origin() -> None:
    assert MFN.allows("CN") and UST.allows("US") and not UST.allows("MX")
    with pytest.raises(InvalidReferenceData, match="ISO 3166"):
        Treatment(code="10", name="UST", countries=frozenset({"USA"}))


def test_the_in_memory_tariff_finds_nothing_before_its_edition_takes_effect() -> None:
    tariff = InMemoryTariff(edition("T2026", 1, date(2026, 3, 1), item(effective=date(2025, 1, 1))))
    assert tariff.item("0406909900", date(2026, 2, 28)) is None
    assert tariff.item("0406909900", date(2026, 3, 1)) is not None
    assert tariff.item("0406909999", date(2026, 3, 1)) is None
    assert tariff.treatment("10") == UST and tariff.treatment("99") is None
    assert InMemoryTariff(None).item("0406909900", date(2026, 3, 1)) is None


def test_a_snapshot_serves_the_edition_in_force_on_each_date_and_exact_day_rates() -> None:
    old = edition(
        "A", 1, date(2025, 1, 1), item(Rate(treatment="2", ad_valorem=D("7")), effective=date(2025, 1, 1))
    )
    new = edition("B", 2, date(2026, 1, 1), item(Rate(treatment="2", ad_valorem=D("6"))))
    snapshot = ReferenceSnapshot(editions=(old, new), exchange_rates={("USD", date(2025, 1, 2)): D("1.4418")})
    for on, percent in ((date(2025, 6, 1), D("7")), (date(2026, 6, 1), D("6"))):
        found = snapshot.tariff(on).item("0406909900", on)
        assert found is not None and found.rate_for("2", on) == Rate(treatment="2", ad_valorem=percent)
    assert snapshot.tariff(date(2024, 12, 31)).item("0406909900", date(2024, 12, 31)) is None
    assert snapshot.exchange_rate("USD", date(2025, 1, 2)) == D("1.4418")
    assert snapshot.exchange_rate("USD", date(2025, 1, 3)) is None


@given(dates)
def test_quarter_start_is_the_first_day_of_the_quarter_holding_the_date(on: date) -> None:
    start = quarter_start(on)
    assert start <= on and start.day == 1 and start.month in (1, 4, 7, 10)
    assert (on - start).days < 92
    PrescribedRate(quarter_start=start, percent=D("3"))


def test_rates_refuse_what_cannot_be_a_rate() -> None:
    with pytest.raises(InvalidReferenceData, match="start of a quarter"):
        PrescribedRate(quarter_start=date(2025, 2, 1), percent=D("3"))
    with pytest.raises(InvalidReferenceData, match="> 0"):
        ExchangeRate(rate_date=date(2025, 1, 2), currency="USD", cad_per_unit=D("0"))
    with pytest.raises(InvalidReferenceData, match="3 letters"):
        ExchangeRate(rate_date=date(2025, 1, 2), currency="usd", cad_per_unit=D("1"))
