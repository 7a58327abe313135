"""Rules about each line's classification, tariff treatment and quantity (validators layer).

DOMAIN.md "Assessment": a CAD is checked against the Customs Tariff in force on its release date; each tariff
treatment is open only to goods of certain origins, and available for an item only where the tariff gives
it a rate; an item may have a unit of measure, in which the quantity is declared (MIG.md §2 MEA+AAE,
"required when the tariff item has one"), and without which a rate per unit cannot be assessed. The
treatment codes of a CAD may carry a leading zero ("02"); the tariff lists them without ("2"). A unit sent
for an item that has none is not read by the assessment and is accepted. A cancellation's lines, which are
not assessed, are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.cad import Cad, CadLine
from domain.findings import Finding
from domain.tariff import TariffItem, Treatment
from validators import catalogue
from validators.context import ValidationContext
from validators.report import at_line, day, declared_lines, finding, tariff_treatment_code

CLASSIFICATION = ("CST", "2")  # CST C246/7361: the classification number
TREATMENT = ("TAX+5+CUD", "5")  # TAX C243/5279: the tariff treatment
MEASURE = "MEA+AAE"
UNIT = ("MEA+AAE", "3")  # MEA C174/6411: the unit of measure


# Each rule looks up only what it reads: six rules run over every line of every CAD.
def _items(cad: Cad, context: ValidationContext) -> Iterator[tuple[CadLine, TariffItem | None]]:
    """Each line with its tariff item in the tariff in force on the release date, if any."""
    tariff = context.snapshot.tariff(cad.release_date)
    return ((line, tariff.item(line.classification, cad.release_date)) for line in declared_lines(cad))


def _items_in_force(cad: Cad, context: ValidationContext) -> Iterator[tuple[CadLine, TariffItem]]:
    """The lines whose classification is in force on the release date, with their tariff item."""
    tariff = context.snapshot.tariff(cad.release_date)
    for line in declared_lines(cad):  # one generator, rather than one filtering `_items`: three rules use it
        item = tariff.item(line.classification, cad.release_date)
        if item is not None:
            yield line, item


def _treatments(cad: Cad, context: ValidationContext) -> Iterator[tuple[CadLine, Treatment | None]]:
    """Each line with the treatment it claims in the tariff in force on the release date, if any."""
    tariff = context.snapshot.tariff(cad.release_date)
    for line in declared_lines(cad):
        yield line, tariff.treatment(tariff_treatment_code(line.tariff_treatment))


def classification_is_in_force(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Each classification is a tariff item in force on the release date."""
    for line, item in _items(cad, context):
        if item is None:
            message = (
                f"classification {line.classification} is not a tariff item in force on "
                f"{day(cad.release_date)}, the release date"
            )
            pointer = at_line(line.line_number, *CLASSIFICATION)
            yield finding(catalogue.CLASSIFICATION_NOT_IN_FORCE, message, pointer)


def treatment_exists(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Each tariff treatment is one the tariff in force defines."""
    for line, treatment in _treatments(cad, context):
        if treatment is None:
            message = (
                f"tariff treatment {line.tariff_treatment!r} is not a treatment of the Customs Tariff in "
                f"force on {day(cad.release_date)}"
            )
            yield finding(catalogue.TREATMENT_UNKNOWN, message, at_line(line.line_number, *TREATMENT))


def treatment_is_open_to_origin(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Each treatment claimed is open to goods of the line's country of origin."""
    for line, treatment in _treatments(cad, context):
        if treatment is not None and not treatment.allows(line.origin_country):
            message = (
                f"tariff treatment {treatment.code} ({treatment.name}) cannot be used with the country of "
                f"origin {line.origin_country}"
            )
            pointer = at_line(line.line_number, *TREATMENT)
            yield finding(catalogue.TREATMENT_NOT_FOR_ORIGIN, message, pointer)


def treatment_is_available_for_item(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """The tariff gives the item a rate of the claimed treatment on the release date."""
    tariff = context.snapshot.tariff(cad.release_date)
    for line, item in _items_in_force(cad, context):
        treatment = tariff.treatment(tariff_treatment_code(line.tariff_treatment))
        if treatment is not None and item.rate_for(treatment.code, cad.release_date) is None:
            message = (
                f"the Customs Tariff gives no {treatment.name} rate (treatment {treatment.code}) for "
                f"{item.number} on {day(cad.release_date)}"
            )
            pointer = at_line(line.line_number, *TREATMENT)
            yield finding(catalogue.TREATMENT_NOT_FOR_ITEM, message, pointer)


def quantity_is_given_in_tariff_unit(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A line whose tariff item has a unit of measure gives its quantity (MEA+AAE)."""
    for line, item in _items_in_force(cad, context):
        if item.uom is not None and (line.quantity is None or line.unit is None):
            rate = item.rate_for(tariff_treatment_code(line.tariff_treatment), cad.release_date)
            why = "its rate is per" if rate is not None and rate.per_unit else "it is measured in"
            message = f"tariff item {item.number}: {why} {item.uom}; give the quantity in {item.uom}"
            yield finding(catalogue.QUANTITY_MISSING, message, at_line(line.line_number, MEASURE))


def unit_matches_tariff(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A quantity is given in the tariff item's unit of measure."""
    for line, item in _items_in_force(cad, context):
        if item.uom is not None and line.unit is not None and line.unit != item.uom:
            message = (
                f"the quantity is in {line.unit}, but tariff item {item.number} is measured in {item.uom}"
            )
            yield finding(catalogue.UNIT_MISMATCH, message, at_line(line.line_number, *UNIT))
