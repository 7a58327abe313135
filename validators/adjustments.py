"""Rules about adjustment reason codes (validators layer).

DOMAIN.md "Correction vs adjustment": a replace made before the payment due date of the version it replaces
is a correction; on or after it, an adjustment, which needs reason codes (e.g. `R2-74-1-TT`, `R2-32-2.TC`;
the one supporting a refund first). MIG.md §2 carries them as `FTX+ACD` on the lines of "a replace that is
an adjustment", so a reason code anywhere else is refused too (MIG-NOTES.md 19). Which reason comes first
cannot be checked without knowing the refund, and is left to CBSA's review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from domain.cad import Cad, CadFunction
from domain.findings import Finding
from validators import catalogue
from validators.context import ValidationContext
from validators.history import FUNCTION, is_adjustment
from validators.report import at_header, at_line, day, declared_lines, finding

REASON = ("FTX+ACD", "4")  # FTX C108/4440: the reason code
# [U] CBSA publishes the reason codes to brokers, not to us. What the examples show: a letter and a number
# (R2), then parts of capital letters and digits each after '-' or '.' (74, 1, TT; 32, 2, TC), e.g. the
# section of the Customs Act and a type. The pattern is that shape, leniently (1 to 8 parts of up to 10
# characters), so a real code we have not seen still passes; tighten it here when the list is known.
REASON_CODE: Final = re.compile(r"[A-Z][0-9]{1,2}(?:[-.][A-Z0-9]{1,10}){1,8}")


def adjustment_gives_reasons(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """An adjustment carries at least one reason code (FTX+ACD) on its lines."""
    if is_adjustment(cad, context) and not any(line.adjustment_reasons for line in cad.lines):
        due = context.history[cad.transaction_number].due_date
        message = (
            f"this replace comes on or after {day(due)}, the payment due date of the version it replaces: "
            "it is an adjustment; give a reason code (FTX+ACD) on each line it changes"
        )
        yield finding(catalogue.ADJUSTMENT_REASON_MISSING, message, at_header(*FUNCTION))


def reasons_only_on_adjustments(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Reason codes come only on an adjustment."""
    if is_adjustment(cad, context) or _history_unknown(cad, context):
        return
    for line in declared_lines(cad):
        if line.adjustment_reasons:
            message = f"{', '.join(line.adjustment_reasons)}: {_why_not(cad, context)}"
            yield finding(catalogue.REASON_NOT_ON_ADJUSTMENT, message, at_line(line.line_number, *REASON))


def _history_unknown(cad: Cad, context: ValidationContext) -> bool:
    """Whether a replace amends nothing known (CAD112, CAD114 say why): correction or adjustment is moot."""
    history = context.history.get(cad.transaction_number)
    return cad.function is CadFunction.REPLACE and (history is None or history.is_cancelled)


def _why_not(cad: Cad, context: ValidationContext) -> str:
    if cad.function is CadFunction.REPLACE:
        due = context.history[cad.transaction_number].due_date
        return (
            f"this replace comes before {day(due)}, the payment due date of the version it replaces: "
            "it is a correction, which takes no reason codes"
        )
    return "an original takes no adjustment reason codes"


def reason_codes_are_well_formed(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Each reason code has the shape of CBSA's codes (see REASON_CODE)."""
    for line in declared_lines(cad):
        for reason in line.adjustment_reasons:
            if not REASON_CODE.fullmatch(reason):
                message = f"adjustment reason {reason!r} is not a reason code like R2-74-1-TT"
                yield finding(catalogue.REASON_INVALID, message, at_line(line.line_number, *REASON))
