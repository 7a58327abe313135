"""The rule that declared duty and GST, when given, equal the assessment (validators layer).

CARM computes duties and taxes itself (DOMAIN.md "The CAD"); a broker may still declare what it expects, per
line (MOA+55 after TAX+5+CUD, MOA+124) and in total (MOA+161 after TAX+9+CUD and TAX+9+GST), and MIG.md §2
says the totals are "checked when present". The assessment is `domain.assessment.assess_cad`'s:
`declared_amounts_differ` takes the one the pipeline already has (`validators.rules.ASSESSED_RULES`), and
`declared_amounts_match_assessment` computes it from the context's snapshot. A CAD the assessment cannot
complete (no tariff item, rate, exchange rate or quantity) has those problems reported by other rules, and
its amounts are compared once they are fixed. Amounts are compared to the cent, as declared: there is no
tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from domain.assessment import Assessment, DutiesAndTaxes, assess_cad
from domain.cad import Cad, CadLine
from domain.findings import Finding, Pointer
from domain.money import format_cents
from validators import catalogue
from validators.context import ValidationContext
from validators.report import at_line, at_summary, finding

LINE_DUTY = ("MOA+55", "1:2")  # MOA C516/5004 after TAX+5+CUD
LINE_GST = ("MOA+124", "1:2")  # MOA C516/5004
TOTAL = ("MOA+161", "1:2")  # MOA C516/5004 after TAX+9+CUD or TAX+9+GST


def declared_amounts_match_assessment(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Declared duty and GST, per line and in total, equal the assessed amounts."""
    # The amounts do not depend on the payment due date, so the release date stands in for it.
    assessed = assess_cad(cad, snapshot=context.snapshot, due_date=cad.release_date)
    if isinstance(assessed, Assessment):
        yield from declared_amounts_differ(cad, assessed)


def declared_amounts_differ(cad: Cad, assessment: Assessment) -> Iterator[Finding]:
    """A finding for each declared amount of `cad` that is not the one of its `assessment`."""
    declared = _by_number(cad)
    for assessed in assessment.lines:
        line = declared.get(assessed.line_number)
        if line is not None:
            yield from _line_amounts(line, assessed.amounts)
    if assessment.lines:
        totals = assessment.totals
        at_total = partial(at_summary, *TOTAL)
        yield from _compare("total duty", cad.declared_total_duty_cents, totals.duty_cents, at_total)
        yield from _compare("total GST", cad.declared_total_gst_cents, totals.gst_cents, at_total)


def _by_number(cad: Cad) -> dict[int, CadLine]:
    """The lines by number, the first of any number given twice (as `Cad.line` finds it)."""
    lines: dict[int, CadLine] = {}
    for line in cad.lines:
        lines.setdefault(line.line_number, line)
    return lines


def _line_amounts(line: CadLine, assessed: DutiesAndTaxes) -> Iterator[Finding]:
    number = line.line_number
    yield from _compare(
        "duty", line.declared_duty_cents, assessed.duty_cents, partial(at_line, number, *LINE_DUTY)
    )
    yield from _compare(
        "GST", line.declared_gst_cents, assessed.gst_cents, partial(at_line, number, *LINE_GST)
    )


def _compare(what: str, declared: int | None, assessed: int, at: Callable[[], Pointer]) -> Iterator[Finding]:
    """A finding, pointing `at()`, when an amount is declared and differs from the assessed one (the pointer
    is made only then: most amounts match)."""
    if declared is not None and declared != assessed:
        message = (
            f"declared {what} {format_cents(declared)} differs from the assessed {format_cents(assessed)}"
        )
        yield finding(catalogue.DECLARED_AMOUNT_DIFFERS, message, at())
