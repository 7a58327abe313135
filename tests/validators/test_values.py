"""Dates, exchange rates and SIMA declarations."""

from __future__ import annotations

from datetime import date

from domain.findings import Level, Pointer
from tests.validators.examples import GEL, ORIGINAL, RELEASE, T_SHIRTS, TODAY, cad, context, line
from validators import catalogue
from validators.values import (
    exchange_rate_is_known,
    release_date_is_not_in_the_future,
    shipment_precedes_release,
    sima_code_and_amount_go_together,
)


def test_a_release_today_or_earlier_passes() -> None:
    assert list(release_date_is_not_in_the_future(cad(release_date=TODAY), context())) == []


def test_a_release_date_after_today_is_refused_at_dtm_204() -> None:
    [found] = release_date_is_not_in_the_future(cad(release_date=date(2025, 3, 15)), context())

    assert found.code == catalogue.RELEASE_DATE_IN_FUTURE.code
    assert found.pointer == Pointer(level=Level.HEADER, segment="DTM+204", element="1:2")
    assert found.message == "release date 2025-03-15 is after today, 2025-03-14"


def test_goods_shipped_on_or_before_release_pass() -> None:
    assert list(shipment_precedes_release(cad(lines=(line(shipment_date=RELEASE),)), context())) == []


def test_a_shipment_after_the_release_is_refused_on_its_line() -> None:
    [found] = shipment_precedes_release(cad(lines=(T_SHIRTS, line(GEL, shipment_date=TODAY))), context())

    assert found.code == catalogue.SHIPMENT_AFTER_RELEASE.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=2, segment="DTM+11", element="1:2")


def test_values_with_a_bank_of_canada_rate_on_the_date_of_direct_shipment_pass() -> None:
    assert list(exchange_rate_is_known(ORIGINAL, context())) == []


def test_a_value_in_canadian_dollars_needs_no_rate_even_on_a_saturday() -> None:
    saturday = date(2025, 3, 8)

    assert (
        list(exchange_rate_is_known(cad(lines=(line(currency="CAD", shipment_date=saturday),)), context()))
        == []
    )


def test_no_rate_is_guessed_for_a_saturday_shipment() -> None:
    [found] = exchange_rate_is_known(cad(lines=(line(shipment_date=date(2025, 3, 8)),)), context())

    assert found.code == catalogue.EXCHANGE_RATE_MISSING.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=1, segment="MOA+40", element="1:3")
    assert "no Bank of Canada rate for USD on 2025-03-08" in found.message


def test_a_currency_without_published_rates_is_refused() -> None:
    [found] = exchange_rate_is_known(cad(lines=(line(currency="CHF"),)), context())

    assert "CHF" in found.message


def test_a_sima_code_with_its_amount_passes() -> None:
    assert (
        list(
            sima_code_and_amount_go_together(
                cad(lines=(line(sima_code="S", sima_amount_cents=12500),)), context()
            )
        )
        == []
    )


def test_a_sima_code_without_its_amount_is_refused_at_tax_5_add() -> None:
    [found] = sima_code_and_amount_go_together(cad(lines=(line(sima_code="U"),)), context())

    assert found.code == catalogue.SIMA_INCOMPLETE.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=1, segment="TAX+5+ADD")


def test_a_sima_amount_without_its_code_is_refused() -> None:
    [found] = sima_code_and_amount_go_together(cad(lines=(line(sima_amount_cents=12500),)), context())

    assert found.code == catalogue.SIMA_INCOMPLETE.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=1, segment="TAX+5+ADD", element="5")
