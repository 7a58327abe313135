"""Declared duty and GST, when given, equal what the gateway assesses (real tariff lines and rates).

The example's assessment, by hand: line 1, USD 30,000.00 x 1.4431 = 43,293.00, UST free, GST 5 % = 2,164.65;
line 2, CNY 1,500.50 x 0.1988 = 298.30 (298.2994 rounded), MFN 6.5 % = 19.39, GST 5 % of 317.69 = 15.88.
Totals: duty 19.39, GST 2,180.53.
"""

from __future__ import annotations

from domain.findings import Level, Pointer
from tests.validators.examples import GEL, ORIGINAL, T_SHIRTS, cad, context, line
from validators import catalogue
from validators.declared import declared_amounts_match_assessment

RIGHT = cad(
    lines=(
        line(declared_duty_cents=0, declared_gst_cents=216465),
        line(GEL, declared_duty_cents=1939, declared_gst_cents=1588),
    ),
    declared_total_duty_cents=1939,
    declared_total_gst_cents=218053,
)


def test_amounts_declared_as_assessed_pass() -> None:
    assert list(declared_amounts_match_assessment(RIGHT, context())) == []


def test_a_cad_that_declares_no_amounts_accepts_the_assessment() -> None:
    assert list(declared_amounts_match_assessment(ORIGINAL, context())) == []


def test_a_declared_line_duty_that_differs_is_refused_with_both_amounts() -> None:
    wrong = cad(lines=(T_SHIRTS, line(GEL, declared_duty_cents=1940)))

    [found] = declared_amounts_match_assessment(wrong, context())

    assert found.code == catalogue.DECLARED_AMOUNT_DIFFERS.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=2, segment="MOA+55", element="1:2")
    assert found.message == "declared duty 19.40 differs from the assessed 19.39"


def test_a_declared_line_gst_that_differs_is_refused_at_moa_124() -> None:
    [found] = declared_amounts_match_assessment(cad(lines=(line(declared_gst_cents=216464), GEL)), context())

    assert found.pointer == Pointer(level=Level.DETAIL, line_number=1, segment="MOA+124", element="1:2")


def test_declared_totals_that_differ_are_refused_in_the_summary() -> None:
    wrong = cad(declared_total_duty_cents=0, declared_total_gst_cents=218053)

    [found] = declared_amounts_match_assessment(wrong, context())

    assert found.pointer == Pointer(level=Level.SUMMARY, segment="MOA+161", element="1:2")
    assert found.message == "declared total duty 0.00 differs from the assessed 19.39"


def test_amounts_are_not_compared_while_a_line_cannot_be_assessed() -> None:
    unassessable = cad(
        lines=(line(classification="9999999999", declared_duty_cents=1), GEL), declared_total_gst_cents=1
    )

    assert list(declared_amounts_match_assessment(unassessable, context())) == []
