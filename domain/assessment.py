"""The assessment of a CAD: customs duty, GST, excise and SIMA per line and in total (domain layer).

`assess_cad` computes what CARM charges for one version of a declaration (DOMAIN.md "Assessment"), from the
tariff and the Bank of Canada rates frozen in a `ReferenceSnapshot`. Per line, in this order, each amount
rounded exactly once by `domain.money.to_cents` (half up): the value for duty in CAD (value x the rate of the
date of direct shipment), then the customs duty computed from that rounded value (a compound or minimum duty
is assembled exactly and rounded once), then the value for tax = value for duty + duty + excise + SIMA (sums
of cents, nothing to round), then GST on it. Header totals are sums of the lines' cents. Arithmetic is exact
`Decimal` (no float anywhere); rates are in percent, specific parts in CAD per unit of measure. The core runs
only on CADs the validators passed, yet it never raises for a missing tariff item, rate, exchange rate or
quantity: it returns an `Unassessable` value naming every such gap. `cad_payment_due_date` gives the due
date the pipeline passes in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from enum import StrEnum
from typing import Final

from domain.cad import CANADIAN_DOLLAR, Cad, CadFunction, CadLine
from domain.calendar import NO_HOLIDAYS, HolidayCalendar, billing_period, payment_due_date
from domain.money import from_cents, percent_of, to_cents
from domain.tariff import Rate, RateForm, ReferenceSnapshot, Tariff, TariffItem

GST_PERCENT: Final = Decimal("5")  # of the value for tax (DOMAIN.md "Amounts")
NO_PERCENT: Final = Decimal("0")
# [U] MIG.md §2 says only "GST status/exemption code; absent = fully taxable at 5 %", and no list of codes is
# published to us. Assumption: a line that carries any GST code claims a full exemption (GST 0), except the
# codes listed here, which declare the line fully taxable. Correct the rule here, in one place, when CBSA's
# GST code list is known (a code for a partial rate would need a percent per code instead of this set).
GST_CODES_NOT_EXEMPTING: Final[frozenset[str]] = frozenset()
# The CAD declares an excise code but no excise amount (MIG.md §2 TAX+5+EXC has no MOA) and the gateway holds
# no excise rates, so no excise is charged yet; the amount is carried everywhere (value for tax, totals,
# postings, CUSRES) so that charging it later changes only this module.
NO_EXCISE_CENTS: Final = 0
# Exact arithmetic: enough digits for any product of an amount and a rate we meet; anything needing more
# raises decimal.Inexact rather than being rounded a second time outside to_cents.
_EXACT = Context(prec=100, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
_HUNDRED: Final = Decimal(100)
_ONE: Final = Decimal(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class DutiesAndTaxes:
    """Amounts in integer cents per kind of duty or tax; negative only in a difference (a refund)."""

    duty_cents: int = 0
    gst_cents: int = 0
    excise_cents: int = 0
    sima_cents: int = 0

    @property
    def total_cents(self) -> int:
        """What is payable: duty + GST + excise + SIMA."""
        return self.duty_cents + self.gst_cents + self.excise_cents + self.sima_cents

    def by_kind(self) -> tuple[int, int, int, int]:
        """(duty, GST, excise, SIMA), in that order."""
        return (self.duty_cents, self.gst_cents, self.excise_cents, self.sima_cents)

    def __add__(self, other: DutiesAndTaxes) -> DutiesAndTaxes:
        return _combine(self, other, 1)

    def __sub__(self, other: DutiesAndTaxes) -> DutiesAndTaxes:
        return _combine(self, other, -1)


NOTHING: Final = DutiesAndTaxes()


def _combine(left: DutiesAndTaxes, right: DutiesAndTaxes, sign: int) -> DutiesAndTaxes:
    return DutiesAndTaxes(
        duty_cents=left.duty_cents + sign * right.duty_cents,
        gst_cents=left.gst_cents + sign * right.gst_cents,
        excise_cents=left.excise_cents + sign * right.excise_cents,
        sima_cents=left.sima_cents + sign * right.sima_cents,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessedLine:
    """One CAD line as assessed: the rates applied, the values in CAD and the amounts charged."""

    line_number: int
    classification: str
    tariff_treatment: str
    rate: Rate  # the tariff rate applied
    currency: str
    exchange_rate: Decimal  # CAD per unit of `currency` on the date of direct shipment; 1 for CAD
    value_for_duty_cents: int
    value_for_tax_cents: int
    gst_percent: Decimal  # GST_PERCENT, or 0 when the line's GST code exempts it
    amounts: DutiesAndTaxes
    excise_code: str | None = None
    sima_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """What CARM charges for one version of a CAD; a cancellation is assessed at nothing (no lines)."""

    transaction_number: str
    version: int
    function: CadFunction
    importer: str  # BN15 of the RM account the debt posts to
    release_date: dt.date
    due_date: dt.date  # the payment due date (`cad_payment_due_date`)
    lines: tuple[AssessedLine, ...]

    @property
    def totals(self) -> DutiesAndTaxes:
        """The header totals: the sum of the lines."""
        duty = gst = excise = sima = 0
        for line in self.lines:
            amounts = line.amounts
            duty += amounts.duty_cents
            gst += amounts.gst_cents
            excise += amounts.excise_cents
            sima += amounts.sima_cents
        return DutiesAndTaxes(duty_cents=duty, gst_cents=gst, excise_cents=excise, sima_cents=sima)


class Missing(StrEnum):
    """What a line lacks to be assessed (the validators report each of these as a finding first)."""

    TARIFF_ITEM = "no tariff item in force for the classification on the release date"
    RATE = "no rate for the tariff treatment on the item on the release date"
    EXCHANGE_RATE = "no Bank of Canada rate for the currency on the date of direct shipment"
    QUANTITY = "no quantity, but the rate is per unit of measure"
    QUANTITY_IN_TARIFF_UNIT = "the quantity is not in the tariff item's unit of measure"


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """One reason one line cannot be assessed."""

    line_number: int
    missing: Missing

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.missing}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Unassessable:
    """The CAD cannot be assessed: every gap found, in line order."""

    transaction_number: str
    version: int
    gaps: tuple[Gap, ...]

    def __str__(self) -> str:
        return f"CAD {self.transaction_number} version {self.version}: " + "; ".join(map(str, self.gaps))


AssessmentResult = Assessment | Unassessable


def cad_payment_due_date(release: dt.date, holidays: HolidayCalendar = NO_HOLIDAYS) -> dt.date:
    """The payment due date of a CAD: that of the billing period of its release date (DOMAIN.md).

    E.g. goods released on 2024-11-05 (period 2024-10-18..2024-11-17) are due 2024-11-29.
    """
    return payment_due_date(billing_period(release), holidays)


def assess_cad(cad: Cad, *, snapshot: ReferenceSnapshot, due_date: dt.date) -> AssessmentResult:
    """Assess every line of a CAD against the tariff in force on its release date.

    Args:
        cad: a declaration the validators accepted.
        snapshot: the tariff editions and exchange rates frozen for the file.
        due_date: the payment due date (`cad_payment_due_date` of the release date, from the pipeline).

    Returns:
        The `Assessment`, or `Unassessable` listing every gap of every line. Raises nothing for
        missing data.
    """
    tariff = snapshot.tariff(cad.release_date)
    results = [_assess_line(line, tariff, snapshot, cad.release_date) for line in _lines_charged(cad)]
    gaps = tuple(gap for result in results if isinstance(result, tuple) for gap in result)
    if gaps:
        return Unassessable(transaction_number=cad.transaction_number, version=cad.version, gaps=gaps)
    return Assessment(
        transaction_number=cad.transaction_number,
        version=cad.version,
        function=cad.function,
        importer=cad.importer,
        release_date=cad.release_date,
        due_date=due_date,
        lines=tuple(result for result in results if isinstance(result, AssessedLine)),
    )


def _lines_charged(cad: Cad) -> tuple[CadLine, ...]:
    """The lines charged for: none on a cancellation, which owes nothing (whatever lines it restates)."""
    return () if cad.is_cancellation else cad.lines


def _assess_line(
    line: CadLine, tariff: Tariff, snapshot: ReferenceSnapshot, on: dt.date
) -> AssessedLine | tuple[Gap, ...]:
    """Assess one line with the `tariff` in force `on` (the release date), or list every gap it has."""
    item = tariff.item(line.classification, on)
    rate = item.rate_for(line.tariff_treatment, on) if item else None
    exchange_rate = _exchange_rate(line, snapshot)
    missing = _missing(line, item, rate, exchange_rate)
    if missing or rate is None or exchange_rate is None:
        return tuple(Gap(line_number=line.line_number, missing=what) for what in missing)
    return _assessed(line, rate, exchange_rate)


def _exchange_rate(line: CadLine, snapshot: ReferenceSnapshot) -> Decimal | None:
    if line.currency == CANADIAN_DOLLAR:
        return _ONE
    return snapshot.exchange_rate(line.currency, line.shipment_date)


def _missing(
    line: CadLine, item: TariffItem | None, rate: Rate | None, exchange_rate: Decimal | None
) -> tuple[Missing, ...]:
    found: list[Missing] = []
    if item is None:
        found.append(Missing.TARIFF_ITEM)
    elif rate is None:
        found.append(Missing.RATE)
    elif rate.per_unit and line.quantity is None:
        found.append(Missing.QUANTITY)
    elif rate.per_unit and line.unit is not None and line.unit != item.uom:
        found.append(Missing.QUANTITY_IN_TARIFF_UNIT)
    if exchange_rate is None:
        found.append(Missing.EXCHANGE_RATE)
    return tuple(found)


def _assessed(line: CadLine, rate: Rate, exchange_rate: Decimal) -> AssessedLine:
    value_for_duty = value_for_duty_cents(line.value, exchange_rate)
    duty = customs_duty(rate, value_for_duty_cents=value_for_duty, quantity=line.quantity)
    sima = line.sima_amount_cents or 0
    value_for_tax = value_for_duty + duty + NO_EXCISE_CENTS + sima
    gst_percent = gst_percent_for(line.gst_code)
    gst = percent_of(value_for_tax, gst_percent)
    return AssessedLine(
        line_number=line.line_number,
        classification=line.classification,
        tariff_treatment=line.tariff_treatment,
        rate=rate,
        currency=line.currency,
        exchange_rate=exchange_rate,
        value_for_duty_cents=value_for_duty,
        value_for_tax_cents=value_for_tax,
        gst_percent=gst_percent,
        amounts=DutiesAndTaxes(duty_cents=duty, gst_cents=gst, excise_cents=NO_EXCISE_CENTS, sima_cents=sima),
        excise_code=line.excise_code,
        sima_code=line.sima_code,
    )


def value_for_duty_cents(value: Decimal, exchange_rate: Decimal) -> int:
    """The value for duty in CAD cents: value x exchange rate, rounded once (before any duty is computed)."""
    with localcontext(_EXACT):
        exact = value * exchange_rate
    return to_cents(exact)


def customs_duty(rate: Rate, *, value_for_duty_cents: int, quantity: Decimal | None) -> int:
    """The customs duty in cents of a rate on a value for duty (cents) and a quantity, rounded once.

    Ad valorem = value x %; specific = quantity x $/unit; compound = both added; minimum = the higher of the
    ad valorem amount and minimum x quantity; minimum-maximum = the ad valorem amount held between minimum x
    quantity and maximum x quantity; free = 0.

    Raises:
        ValueError: the rate is per unit of measure and there is no quantity.
    """
    if rate.per_unit and quantity is None:
        raise ValueError(f"a {rate.form} rate needs a quantity")
    if rate.free:  # most lines of a day: nothing to compute, and nothing to round
        return 0
    with localcontext(_EXACT):
        exact = _exact_duty(rate, from_cents(value_for_duty_cents), quantity or Decimal(0))
    return to_cents(exact)


def _exact_duty(rate: Rate, value: Decimal, quantity: Decimal) -> Decimal:
    """The exact duty of a rate that is not free (`customs_duty` answers a free one)."""
    form = rate.form
    if form is RateForm.SPECIFIC:
        return quantity * _part(rate.specific)
    ad_valorem = value * _part(rate.ad_valorem) / _HUNDRED
    if form is RateForm.AD_VALOREM:
        return ad_valorem
    if form is RateForm.COMPOUND:
        return ad_valorem + quantity * _part(rate.specific)
    floor = quantity * _part(rate.minimum)
    if form is RateForm.MINIMUM:
        return max(ad_valorem, floor)
    return min(max(ad_valorem, floor), quantity * _part(rate.maximum))  # RateForm.MINIMUM_MAXIMUM


def _part(value: Decimal | None) -> Decimal:
    """A part of a rate; the rate's form guarantees the parts it uses are present."""
    return Decimal(0) if value is None else value


def gst_percent_for(gst_code: str | None) -> Decimal:
    """The GST rate of a line: 5 %, or 0 when its GST code claims an exemption ([U], see the constant)."""
    if gst_code is None or gst_code in GST_CODES_NOT_EXEMPTING:
        return GST_PERCENT
    return NO_PERCENT
