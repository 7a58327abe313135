"""Assessment: each rate form on real tariff lines and real Bank of Canada rates, rounding, gaps, laws."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.assessment import (
    GST_CODES_NOT_EXEMPTING,
    Assessment,
    DutiesAndTaxes,
    Gap,
    Missing,
    Unassessable,
    assess_cad,
    cad_payment_due_date,
    customs_duty,
    value_for_duty_cents,
)
from domain.cad import Cad, CadFunction, CadLine
from domain.money import to_cents
from domain.tariff import Rate, ReferenceSnapshot, TariffEdition, TariffItem, Treatment
from parsers.rates_csv import parse_exchange_rates
from parsers.tariff_xml import parse_tariff

D = Decimal
REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "reference"
RELEASE = date(2025, 3, 17)
DUE = date(2025, 3, 31)
MFN, UST = "2", "10"
ICE_CREAM_MIXES = "1901903100"  # MFN 6.5%
ROMANO = "0406209120"  # MFN 3.32¢/kg
CHEDDAR = "0406901200"  # MFN 245.5% but not less than $3.53/kg
TURKEY = "0207279100"  # MFN 5% but not less than 4.74¢/kg or more than 9.48¢/kg
MALT_EXTRACT = "1901901200"  # MFN 19.78¢/kg plus 17%
HORSES = "0101210000"  # MFN Free


@cache
def snapshot() -> ReferenceSnapshot:
    """The backdated real tariff and the real 2025 Bank of Canada rates."""
    edition = parse_tariff((REFERENCE / "tariff-T2026-2-backdated.xml").read_bytes())
    rates = parse_exchange_rates((REFERENCE / "exchange-rates-2025.csv").read_bytes())
    return ReferenceSnapshot(
        editions=(edition,), exchange_rates={(r.currency, r.rate_date): r.cad_per_unit for r in rates}
    )


def line(number: int = 1, **changes: Any) -> CadLine:
    values: dict[str, Any] = {
        "line_number": number,
        "classification": ICE_CREAM_MIXES,
        "description": "Ice cream mixes",
        "origin_country": "FR",
        "shipment_date": date(2025, 3, 14),
        "value": D("30000.00"),
        "invoice_number": "INV-1",
        "invoice_line": str(number),
        "tariff_treatment": MFN,
    }
    return CadLine(**(values | changes))


def cad(*lines: CadLine, function: CadFunction = CadFunction.ORIGINAL, version: int = 1) -> Cad:
    return Cad(
        transaction_number="10207003502332",
        version=version,
        function=function,
        cad_type="AB",
        office="0453",
        release_date=RELEASE,
        cargo_control_numbers=("8000ABC123456",),
        importer="123456782RM0001",
        declarant="987654324RM0001",
        lines=lines,
        declared_line_count=len(lines),
        message_reference="1",
    )


def assess(*lines: CadLine, reference: ReferenceSnapshot | None = None) -> Assessment:
    result = assess_cad(cad(*lines), snapshot=reference or snapshot(), due_date=DUE)
    assert isinstance(result, Assessment), str(result)
    return result


def amounts(duty: str, gst: str, sima: str = "0") -> DutiesAndTaxes:
    return DutiesAndTaxes(
        duty_cents=to_cents(D(duty)), gst_cents=to_cents(D(gst)), sima_cents=to_cents(D(sima))
    )


def test_the_worked_example_of_the_domain_is_assessed_exactly() -> None:
    assessment = assess(line(value=D("30000.00")))
    (assessed,) = assessment.lines
    assert assessed.value_for_duty_cents == 3_000_000
    assert assessed.amounts == amounts("1950.00", "1597.50")
    assert assessed.value_for_tax_cents == 3_195_000
    assert assessment.totals.total_cents == 354_750
    assert (assessment.due_date, assessment.version, assessment.importer) == (DUE, 1, "123456782RM0001")


def test_a_foreign_value_is_converted_at_the_bank_of_canada_rate_of_the_date_of_direct_shipment() -> None:
    # 2025-03-14 USD 1.4388 (not the release date's 1.4304): 30,000.00 x 1.4388 = 43,164.00.
    (assessed,) = assess(line(currency="USD")).lines
    assert (assessed.exchange_rate, assessed.value_for_duty_cents) == (D("1.4388"), 4_316_400)
    assert assessed.amounts == amounts("2805.66", "2298.48")


def test_the_value_for_duty_is_rounded_to_the_cent_before_the_duty_is_computed() -> None:
    # 12.35 USD x 1.4388 = 17.76918 -> 17.77; 6.5 % of 17.77 = 1.15505 -> 1.16 (of 17.76918 it would be 1.15).
    (assessed,) = assess(line(value=D("12.35"), currency="USD")).lines
    assert assessed.value_for_duty_cents == 1777
    assert assessed.amounts.duty_cents == 116


def test_a_specific_rate_charges_dollars_per_unit_of_the_quantity() -> None:
    # Romano, 3.32¢/kg: 1,000.5 kg -> 33.2166 -> 33.22, whatever the value (5,000 USD = 7,194.00 CAD).
    romano = line(classification=ROMANO, quantity=D("1000.5"), unit="KGM", value=D("5000"), currency="USD")
    (assessed,) = assess(romano).lines
    assert assessed.value_for_duty_cents == 719_400
    assert assessed.amounts == amounts("33.22", "361.36")  # 5 % of 7,227.22 = 361.361
    assert assessed.value_for_tax_cents == 722_722


@pytest.mark.parametrize(
    ("value", "currency", "duty", "why"),
    [
        ("10000.00", "EUR", "38442.85", "245.5 % of 15,659.00 = 38,442.845 beats 1,000 kg x $3.53"),
        ("100.00", "CAD", "3530.00", "245.5 % of 100.00 = 245.50 is below 1,000 kg x $3.53"),
    ],
)
def test_a_minimum_rate_charges_the_higher_of_the_ad_valorem_and_the_minimum(
    value: str, currency: str, duty: str, why: str
) -> None:
    cheddar = line(classification=CHEDDAR, quantity=D("1000"), unit="KGM", value=D(value), currency=currency)
    (assessed,) = assess(cheddar).lines
    assert assessed.amounts.duty_cents == to_cents(D(duty)), why


@pytest.mark.parametrize(
    ("value", "duty"),
    [("1500.00", "75.00"), ("500.00", "47.40"), ("3000.00", "94.80")],
    ids=["between", "raised-to-the-minimum", "held-to-the-maximum"],
)
def test_a_minimum_maximum_rate_holds_the_ad_valorem_between_its_bounds(value: str, duty: str) -> None:
    # Turkey cuts: 5 % but not less than 4.74¢/kg (47.40 on 1,000 kg) or more than 9.48¢/kg (94.80).
    turkey = line(classification=TURKEY, quantity=D("1000"), unit="KGM", value=D(value))
    (assessed,) = assess(turkey).lines
    assert assessed.amounts.duty_cents == to_cents(D(duty))


def test_a_compound_rate_adds_its_parts_and_rounds_once() -> None:
    # 2,000.01 GBP x 1.8555 (2025-06-02) = 3,711.018555 -> 3,711.02; 17 % = 630.8734; 250.125 kg x 19.78¢ =
    # 49.474725; together 680.348125 -> 680.35 (rounding each part first would give 630.87 + 49.47 = 680.34).
    malt = line(
        classification=MALT_EXTRACT,
        quantity=D("250.125"),
        unit="KGM",
        value=D("2000.01"),
        currency="GBP",
        shipment_date=date(2025, 6, 2),
    )
    (assessed,) = assess(malt).lines
    assert assessed.value_for_duty_cents == 371_102
    assert assessed.amounts.duty_cents == 68_035


def test_a_free_rate_charges_no_duty_but_gst_on_the_value() -> None:
    (assessed,) = assess(line(classification=HORSES, quantity=D("2"), unit="NMB", value=D("80000"))).lines
    assert assessed.amounts == amounts("0", "4000.00")


def test_a_preferential_treatment_uses_its_own_rate() -> None:
    (assessed,) = assess(line(origin_country="US", tariff_treatment=UST)).lines
    assert assessed.rate.free and assessed.amounts == amounts("0", "1500.00")


def test_a_line_with_a_gst_code_is_exempt_from_gst() -> None:
    assert "80" not in GST_CODES_NOT_EXEMPTING
    (assessed,) = assess(line(gst_code="80")).lines
    assert assessed.gst_percent == 0
    assert assessed.amounts == amounts("1950.00", "0")


def test_sima_duty_as_declared_is_charged_and_taxed() -> None:
    (assessed,) = assess(line(sima_code="S", sima_amount_cents=12_500)).lines
    assert assessed.value_for_tax_cents == 3_000_000 + 195_000 + 12_500
    assert assessed.amounts == amounts("1950.00", "1603.75", "125.00")
    assert assessed.amounts.total_cents == 195_000 + 160_375 + 12_500


def test_header_totals_add_up_the_lines() -> None:
    assessment = assess(line(1), line(2, value=D("12.35"), currency="USD"), line(3, gst_code="80"))
    # Line 2: 17.77 + 1.16 = 18.93, GST 0.9465 -> 0.95; line 3 is exempt.
    assert assessment.totals == amounts("3901.16", "1598.45")


def test_a_cancellation_is_assessed_at_nothing() -> None:
    result = assess_cad(
        cad(line(), function=CadFunction.CANCEL, version=2), snapshot=snapshot(), due_date=DUE
    )
    assert isinstance(result, Assessment)
    assert result.lines == () and result.totals == DutiesAndTaxes()


def test_what_is_missing_is_returned_as_gaps_not_raised() -> None:
    result = assess_cad(
        cad(
            line(1, classification="9999999999"),
            line(2, tariff_treatment="3"),  # GT: the fixture has no GT rates
            line(3, classification=ROMANO, currency="USD", shipment_date=date(2025, 3, 15)),  # a Saturday
            line(4, classification=ROMANO, quantity=D("5"), unit="LTR"),
        ),
        snapshot=snapshot(),
        due_date=DUE,
    )
    assert isinstance(result, Unassessable)
    assert result.gaps == (
        Gap(line_number=1, missing=Missing.TARIFF_ITEM),
        Gap(line_number=2, missing=Missing.RATE),
        Gap(line_number=3, missing=Missing.QUANTITY),
        Gap(line_number=3, missing=Missing.EXCHANGE_RATE),
        Gap(line_number=4, missing=Missing.QUANTITY_IN_TARIFF_UNIT),
    )
    assert str(result).startswith("CAD 10207003502332 version 1: line 1: no tariff item in force")


def test_a_rate_per_unit_without_a_quantity_cannot_be_computed() -> None:
    with pytest.raises(ValueError, match="needs a quantity"):
        customs_duty(Rate(treatment="2", specific=D("0.0332")), value_for_duty_cents=100, quantity=None)


@pytest.mark.parametrize(
    ("release", "due"),
    [
        (date(2024, 11, 5), date(2024, 11, 29)),
        (date(2024, 12, 17), date(2024, 12, 31)),
        (date(2024, 11, 18), date(2024, 12, 31)),
        (date(2024, 10, 18), date(2024, 11, 29)),
    ],
)
def test_a_cad_is_due_on_the_payment_due_date_of_its_release_billing_period(release: date, due: date) -> None:
    assert cad_payment_due_date(release) == due


# Laws, on a small synthetic tariff with one item per rate form and random exchange rates.
FORMS = {
    "0000000001": Rate(treatment=MFN, free=True),
    "0000000002": Rate(treatment=MFN, ad_valorem=D("6.5")),
    "0000000003": Rate(treatment=MFN, specific=D("0.0332")),
    "0000000004": Rate(treatment=MFN, ad_valorem=D("17"), specific=D("0.1978")),
    "0000000005": Rate(treatment=MFN, ad_valorem=D("245.5"), minimum=D("3.53")),
    "0000000006": Rate(treatment=MFN, ad_valorem=D("5"), minimum=D("0.0474"), maximum=D("0.0948")),
}
SYNTHETIC = TariffEdition(
    edition="LAWS",
    sequence=1,
    effective=date(2024, 1, 1),
    treatments=(Treatment(code=MFN, name="MFN"),),
    items=tuple(
        TariffItem(number=n, uom="KGM", description="x", effective=date(2024, 1, 1), rates=(r,))
        for n, r in FORMS.items()
    ),
)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
exchange_rates = st.decimals(min_value=D("0.000001"), max_value=1000, places=6, allow_nan=False)
percents = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False)
random_lines = st.builds(
    lambda number, classification, value, quantity, currency, gst_code, sima: line(
        number,
        classification=classification,
        value=value,
        quantity=quantity,
        unit="KGM",
        currency=currency,
        gst_code=gst_code,
        sima_code="S" if sima else None,
        sima_amount_cents=sima,
    ),
    st.just(1),
    st.sampled_from(sorted(FORMS)),
    money,
    quantities,
    st.sampled_from(["CAD", "USD"]),
    st.sampled_from([None, "80"]),
    st.none() | st.integers(min_value=0, max_value=10**11),
)


def numbered(lines: list[CadLine]) -> tuple[CadLine, ...]:
    return tuple(dataclasses.replace(cad_line, line_number=k) for k, cad_line in enumerate(lines, start=1))


@given(st.lists(random_lines, min_size=1, max_size=8), exchange_rates)
def test_every_assessment_keeps_its_sums_and_signs(lines: list[CadLine], usd: Decimal) -> None:
    reference = ReferenceSnapshot(editions=(SYNTHETIC,), exchange_rates={("USD", date(2025, 3, 14)): usd})
    assessment = assess(*numbered(lines), reference=reference)
    totals = assessment.totals
    for kind in range(4):
        assert totals.by_kind()[kind] == sum(
            assessed.amounts.by_kind()[kind] for assessed in assessment.lines
        )
    assert totals.total_cents == sum(totals.by_kind())
    for assessed in assessment.lines:
        for cents in (
            *assessed.amounts.by_kind(),
            assessed.value_for_duty_cents,
            assessed.value_for_tax_cents,
        ):
            assert isinstance(cents, int) and cents >= 0
        assert assessed.value_for_tax_cents == (
            assessed.value_for_duty_cents
            + assessed.amounts.duty_cents
            + assessed.amounts.excise_cents
            + assessed.amounts.sima_cents
        )


@given(money, st.sampled_from(["CAD", "USD"]))
def test_converting_at_rate_one_leaves_the_value_unchanged(value: Decimal, currency: str) -> None:
    assert value_for_duty_cents(value, D(1)) == int(value * 100)
    reference = ReferenceSnapshot(editions=(SYNTHETIC,), exchange_rates={("USD", date(2025, 3, 14)): D(1)})
    (assessed,) = assess(
        line(classification="0000000002", value=value, currency=currency), reference=reference
    ).lines
    assert assessed.value_for_duty_cents == int(value * 100)


@given(st.integers(min_value=0, max_value=10**13), st.integers(min_value=0, max_value=10**13), percents)
def test_an_ad_valorem_duty_never_falls_as_the_value_for_duty_rises(a: int, b: int, percent: Decimal) -> None:
    low, high = sorted((a, b))
    rate = Rate(treatment=MFN, ad_valorem=percent)
    assert customs_duty(rate, value_for_duty_cents=low, quantity=None) <= customs_duty(
        rate, value_for_duty_cents=high, quantity=None
    )
