"""Adjustment reason codes: required on an adjustment, refused elsewhere, and of the right shape."""

from __future__ import annotations

import pytest

from domain.findings import Level, Pointer
from tests.validators.examples import DUE, GEL, ORIGINAL, T_SHIRTS, cad, context, history_of, line, replace
from validators import catalogue
from validators.adjustments import (
    adjustment_gives_reasons,
    reason_codes_are_well_formed,
    reasons_only_on_adjustments,
)

ACCEPTED = history_of(ORIGINAL, due_date=DUE)
WITH_REASON = (line(adjustment_reasons=("R2-74-1-TT",)), GEL)


def test_a_replace_on_the_due_date_without_reason_codes_is_an_adjustment_missing_its_reasons() -> None:
    [found] = adjustment_gives_reasons(replace(), context(history=ACCEPTED, today=DUE))

    assert found.code == catalogue.ADJUSTMENT_REASON_MISSING.code
    assert found.pointer == Pointer(level=Level.HEADER, segment="BGM", element="3")
    assert "2025-03-31" in found.message


def test_an_adjustment_with_a_reason_code_passes() -> None:
    assert (
        list(adjustment_gives_reasons(replace(lines=WITH_REASON), context(history=ACCEPTED, today=DUE))) == []
    )


def test_a_correction_before_the_due_date_needs_no_reason_code() -> None:
    assert list(adjustment_gives_reasons(replace(), context(history=ACCEPTED))) == []


def test_a_reason_code_on_a_correction_before_the_due_date_is_refused_on_its_line() -> None:
    [found] = reasons_only_on_adjustments(replace(lines=WITH_REASON), context(history=ACCEPTED))

    assert found.code == catalogue.REASON_NOT_ON_ADJUSTMENT.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=1, segment="FTX+ACD", element="4")
    assert "it is a correction" in found.message


def test_a_reason_code_on_an_original_is_refused() -> None:
    [found] = reasons_only_on_adjustments(cad(lines=WITH_REASON), context())

    assert "an original takes no adjustment reason codes" in found.message


def test_a_reason_code_on_an_adjustment_is_where_it_belongs() -> None:
    adjustment = replace(lines=WITH_REASON)

    assert list(reasons_only_on_adjustments(adjustment, context(history=ACCEPTED, today=DUE))) == []


def test_a_reason_code_on_a_replace_of_an_unknown_number_is_left_to_the_unknown_number_finding() -> None:
    assert list(reasons_only_on_adjustments(replace(lines=WITH_REASON), context())) == []


@pytest.mark.parametrize("reason", ["R2-74-1-TT", "R2-32-2.TC", "R12-74-1-TT-2"])
def test_reason_codes_shaped_like_cbsas_pass(reason: str) -> None:
    adjustment = replace(lines=(line(adjustment_reasons=(reason,)), GEL))

    assert list(reason_codes_are_well_formed(adjustment, context(history=ACCEPTED, today=DUE))) == []


@pytest.mark.parametrize("reason", ["refund please", "R2", "r2-74-1-tt", "2R-74", "R2--74", "R2-74-"])
def test_a_reason_code_of_another_shape_is_refused_on_its_line(reason: str) -> None:
    adjustment = replace(lines=(T_SHIRTS, line(GEL, adjustment_reasons=("R2-74-1-TT", reason))))

    [found] = reason_codes_are_well_formed(adjustment, context(history=ACCEPTED, today=DUE))

    assert found.code == catalogue.REASON_INVALID.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=2, segment="FTX+ACD", element="4")
    assert repr(reason) in found.message
