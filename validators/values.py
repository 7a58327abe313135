"""Rules about dates, exchange rates and SIMA declarations (validators layer).

A CAD accounts for goods already released, shipped before their release (DOMAIN.md "The CAD"); a value in a
foreign currency is converted at the Bank of Canada rate of the date of direct shipment, and the gateway
never guesses a rate (MIG.md §6): without that exact rate in the snapshot the line is refused. SIMA
(anti-dumping and countervailing) duty is declared as a code and its amount together (MIG.md §2
TAX+5+ADD, MOA+55); the mapper requires the amount after a TAX+5+ADD, this rule holds for any `Cad`.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.cad import CANADIAN_DOLLAR, Cad
from domain.findings import Finding
from validators import catalogue
from validators.context import ValidationContext
from validators.report import at_header, at_line, day, declared_lines, finding

RELEASE_DATE = ("DTM+204", "1:2")  # DTM C507/2380
SHIPMENT_DATE = ("DTM+11", "1:2")  # DTM C507/2380
CURRENCY = ("MOA+40", "1:3")  # MOA C516/6345
SIMA = "TAX+5+ADD"
SIMA_CODE = (SIMA, "5")  # TAX C243/5279


def release_date_is_not_in_the_future(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """The release date is today or earlier."""
    if cad.release_date > context.today:
        message = f"release date {day(cad.release_date)} is after today, {day(context.today)}"
        yield finding(catalogue.RELEASE_DATE_IN_FUTURE, message, at_header(*RELEASE_DATE))


def shipment_precedes_release(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Each line's date of direct shipment is on or before the release date."""
    for line in declared_lines(cad):
        if line.shipment_date > cad.release_date:
            message = (
                f"date of direct shipment {day(line.shipment_date)} is after the release date "
                f"{day(cad.release_date)}"
            )
            yield finding(
                catalogue.SHIPMENT_AFTER_RELEASE, message, at_line(line.line_number, *SHIPMENT_DATE)
            )


def exchange_rate_is_known(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A value in a foreign currency has a Bank of Canada rate on its date of direct shipment."""
    for line in declared_lines(cad):
        if line.currency == CANADIAN_DOLLAR:
            continue
        if context.snapshot.exchange_rate(line.currency, line.shipment_date) is None:
            message = (
                f"no Bank of Canada rate for {line.currency} on {day(line.shipment_date)}, the date of "
                "direct shipment"
            )
            yield finding(catalogue.EXCHANGE_RATE_MISSING, message, at_line(line.line_number, *CURRENCY))


def sima_code_and_amount_go_together(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A SIMA code comes with its amount, and an amount with its code."""
    for line in declared_lines(cad):
        if line.sima_code is not None and line.sima_amount_cents is None:
            message = f"SIMA code {line.sima_code} has no amount: MOA+55 follows TAX+5+ADD"
            yield finding(catalogue.SIMA_INCOMPLETE, message, at_line(line.line_number, SIMA))
        elif line.sima_code is None and line.sima_amount_cents is not None:
            message = "a SIMA amount is declared without its SIMA code (S or U)"
            yield finding(catalogue.SIMA_INCOMPLETE, message, at_line(line.line_number, *SIMA_CODE))
