"""Each line against the real tariff in force on the release date: item, treatment, origin, unit, quantity."""

from __future__ import annotations

from datetime import date

from domain.findings import Level, Pointer
from tests.validators.examples import CHEESE, GEL, ORIGINAL, T_SHIRTS, cad, cancellation, context, line
from validators import catalogue
from validators.tariff import (
    classification_is_in_force,
    quantity_is_given_in_tariff_unit,
    treatment_exists,
    treatment_is_available_for_item,
    treatment_is_open_to_origin,
    unit_matches_tariff,
)

TREATMENT = Pointer(level=Level.DETAIL, line_number=1, segment="TAX+5+CUD", element="5")


def test_classifications_in_force_on_the_release_date_pass() -> None:
    assert list(classification_is_in_force(cad(lines=(T_SHIRTS, GEL, CHEESE)), context())) == []


def test_a_classification_the_tariff_does_not_list_is_refused_at_cst() -> None:
    [found] = classification_is_in_force(
        cad(lines=(T_SHIRTS, line(GEL, classification="9999999999"))), context()
    )

    assert found.code == catalogue.CLASSIFICATION_NOT_IN_FORCE.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=2, segment="CST", element="2")
    assert "9999999999" in found.message and "2025-03-12" in found.message


def test_a_classification_released_before_the_tariff_took_effect_is_refused() -> None:
    early = date(2023, 12, 29)  # the fixture edition takes effect on 2024-01-01

    found = list(classification_is_in_force(cad(release_date=early), context()))

    assert [item.pointer.line_number for item in found] == [1, 2]


def test_the_lines_of_a_cancellation_are_not_checked_against_the_tariff() -> None:
    bad = cad(lines=(line(classification="9999999999"),))

    assert (
        list(classification_is_in_force(cad(function=cancellation().function, lines=bad.lines), context()))
        == []
    )


def test_known_treatments_pass_with_or_without_a_leading_zero() -> None:
    assert list(treatment_exists(cad(lines=(line(GEL, tariff_treatment="02"),)), context())) == []
    assert (
        list(treatment_is_available_for_item(cad(lines=(line(GEL, tariff_treatment="02"),)), context())) == []
    )


def test_a_treatment_the_tariff_does_not_define_is_unknown() -> None:
    [found] = treatment_exists(cad(lines=(line(tariff_treatment="99"),)), context())

    assert found.code == catalogue.TREATMENT_UNKNOWN.code
    assert found.pointer == TREATMENT


def test_a_treatment_open_to_the_origin_passes() -> None:
    assert list(treatment_is_open_to_origin(ORIGINAL, context())) == []


def test_ust_cannot_be_used_for_goods_of_chinese_origin() -> None:
    [found] = treatment_is_open_to_origin(
        cad(lines=(line(origin_country="CN", origin_state=None),)), context()
    )

    assert found.code == catalogue.TREATMENT_NOT_FOR_ORIGIN.code
    assert found.pointer == TREATMENT
    assert "10 (UST)" in found.message and "CN" in found.message


def test_gpt_is_open_to_india_but_the_tariff_gives_t_shirts_no_gpt_rate() -> None:
    indian = cad(lines=(line(origin_country="IN", origin_state=None, tariff_treatment="9"),))

    [found] = treatment_is_available_for_item(indian, context())

    assert list(treatment_is_open_to_origin(indian, context())) == []
    assert found.code == catalogue.TREATMENT_NOT_FOR_ITEM.code
    assert found.pointer == TREATMENT
    assert "no GPT rate (treatment 9) for 6109100022" in found.message


def test_a_treatment_with_a_rate_for_the_item_is_available() -> None:
    assert list(treatment_is_available_for_item(cad(lines=(T_SHIRTS, GEL, CHEESE)), context())) == []


def test_a_line_whose_tariff_item_has_a_unit_needs_its_quantity() -> None:
    [found] = quantity_is_given_in_tariff_unit(cad(lines=(line(quantity=None, unit=None),)), context())

    assert found.code == catalogue.QUANTITY_MISSING.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=1, segment="MEA+AAE")
    assert "it is measured in NMB" in found.message


def test_a_quantity_missing_under_a_specific_rate_says_the_rate_is_per_unit() -> None:
    [found] = quantity_is_given_in_tariff_unit(
        cad(lines=(line(CHEESE, quantity=None, unit=None),)), context()
    )

    assert "its rate is per KGM" in found.message


def test_a_line_whose_tariff_item_has_no_unit_needs_no_quantity() -> None:
    assert list(quantity_is_given_in_tariff_unit(cad(lines=(GEL,)), context())) == []
    assert list(quantity_is_given_in_tariff_unit(ORIGINAL, context())) == []


def test_a_quantity_in_another_unit_than_the_tariffs_is_refused() -> None:
    [found] = unit_matches_tariff(cad(lines=(line(CHEESE, unit="LBR"),)), context())

    assert found.code == catalogue.UNIT_MISMATCH.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=3, segment="MEA+AAE", element="3")
    assert "LBR" in found.message and "KGM" in found.message


def test_a_quantity_in_the_tariff_unit_passes_and_a_unit_for_an_item_without_one_is_ignored() -> None:
    assert list(unit_matches_tariff(cad(lines=(T_SHIRTS, line(GEL, unit="KGM"), CHEESE)), context())) == []
