"""The lines of a CAD read from a CUSDEC's SG32 groups (mappers layer).

MIG.md §2 "Detail": per line CST (line number, classification), FTX+AAA/ACD, LOC+27/35, DTM+11, MEA+AAE,
SG35 MOA+40, SG37 RFF+IV and the SG43 duty and tax groups. A finding points at the line by its place in the
message, which is the number its CST must give. Declared amounts are in CAD and become integer cents; the
value for duty stays a `Decimal` in the invoice currency.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from domain.cad import CANADIAN_DOLLAR, CadLine
from domain.findings import CatalogueEntry, Level
from mappers import codes
from mappers import cusdec_layout as edi
from mappers.cusdec_layout import LineSegments
from mappers.cusdec_taxes import Taxes, map_taxes
from mappers.fields import (
    MONEY_DECIMALS,
    QUANTITY_DECIMALS,
    Findings,
    Place,
    code_at,
    number_at,
    pick,
    read_date,
    required_text,
)
from parsers.model import Segment

CLASSIFICATION = re.compile(r"[0-9]{10}", re.ASCII)  # MIG.md §2: CST C246/7361 n10
# ISO 3166-1 alpha-2 (and US state codes): the format; the list is the validators' business
COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)  # ISO 4217 alphabetic code
UNIT = re.compile(r"[A-Z0-9]{2,3}", re.ASCII)  # UN/ECE Recommendation 20 common code
LINE_NUMBER = re.compile(r"[0-9]{1,6}", re.ASCII)  # CST 1496 an..6, digits only here
MAX_DESCRIPTION_PART = 512  # FTX C108/4440 an..512, up to 5 of them


class _Goods(NamedTuple):
    """What a line says its goods are: a NamedTuple, as `Taxes` is (one per line, copied into the CadLine)."""

    classification: str
    chapter99_classification: str | None
    description: str
    adjustment_reasons: tuple[str, ...]


def map_lines(lines: list[LineSegments], findings: Findings, *, decimal_mark: str) -> tuple[CadLine, ...]:
    """The CAD lines that could be mapped (the others stand as findings)."""
    mapped = (_map_line(line, findings, decimal_mark) for line in lines)
    return tuple(line for line in mapped if line is not None)


def _map_line(line: LineSegments, findings: Findings, decimal_mark: str) -> CadLine | None:
    place = Place(Level.DETAIL, line.ordinal)  # the number the line's CST must give: see `_line_number`
    number = _line_number(line, findings, place)
    goods = _goods(line, findings, place)
    origin, state, export = _countries(line, findings, place)
    shipped = _shipment_date(line, findings, place)
    unit, quantity = _quantity(line, findings, place, decimal_mark)
    value, currency = _value(line, findings, place, decimal_mark)
    invoice = _invoice(line, findings, place)
    taxes = map_taxes(line.taxes, findings, place, decimal_mark=decimal_mark)
    if number is None or goods is None or origin is None or shipped is None or value is None:
        return None
    if currency is None or invoice is None or taxes is None:
        return None
    countries = (origin, state, export)
    return _line(number, goods, countries, shipped, (unit, quantity), (value, currency), invoice, taxes)


def _line(
    number: int,
    goods: _Goods,
    countries: tuple[str, str | None, str | None],
    shipped: date,
    measure: tuple[str | None, Decimal | None],
    value: tuple[Decimal, str],
    invoice: tuple[str, str],
    taxes: Taxes,
) -> CadLine:
    return CadLine(
        line_number=number,
        classification=goods.classification,
        chapter99_classification=goods.chapter99_classification,
        description=goods.description,
        adjustment_reasons=goods.adjustment_reasons,
        origin_country=countries[0],
        origin_state=countries[1],
        export_country=countries[2],
        shipment_date=shipped,
        unit=measure[0],
        quantity=measure[1],
        value=value[0],
        currency=value[1],
        invoice_number=invoice[0],
        invoice_line=invoice[1],
        tariff_treatment=taxes.tariff_treatment,
        declared_duty_cents=taxes.declared_duty_cents,
        gst_code=taxes.gst_code,
        declared_gst_cents=taxes.declared_gst_cents,
        excise_code=taxes.excise_code,
        sima_code=taxes.sima_code,
        sima_amount_cents=taxes.sima_amount_cents,
        surtax_code=taxes.surtax_code,
    )


def _line_number(line: LineSegments, findings: Findings, place: Place) -> int | None:
    """The CST line number, which must be the line's place in the message: 1, 2, 3 ..."""
    csts = line.at(edi.LINE_CST)
    if not csts:  # cannot happen - CST opens SG32 - but the mapper reads any message without raising
        findings.add(codes.SEGMENT_MISSING, "CST is missing", place.at("CST"))
        return None
    text = _code(findings, csts[0], place, 1, LINE_NUMBER, codes.LINE_NUMBER_INVALID, "line number")
    if text is None:
        return None
    if int(text) != line.ordinal:
        message = f"line number {text} is line {line.ordinal} of the message: lines are numbered 1, 2, 3 ..."
        findings.add(codes.LINE_NUMBER_INVALID, message, place.at("CST", 1))
        return None
    return line.ordinal


def _goods(line: LineSegments, findings: Findings, place: Place) -> _Goods | None:
    classification, chapter99 = _classifications(line, findings, place)
    texts = line.at(edi.LINE_FTX)
    descriptions = pick(findings, texts, edi.GOODS_DESCRIPTION, place, name="FTX+AAA")
    reasons = pick(findings, texts, edi.ADJUSTMENT_REASON, place, name="FTX+ACD", required=False, limit=9)
    description = _description(descriptions[0], findings, place) if descriptions else None
    reason_codes = tuple(required_text(findings, ftx, place, 4) for ftx in reasons)
    if classification is None or description is None or not all(reason_codes):
        return None
    return _Goods(
        classification=classification,
        chapter99_classification=chapter99,
        description=description,
        adjustment_reasons=reason_codes,
    )


def _classifications(line: LineSegments, findings: Findings, place: Place) -> tuple[str | None, str | None]:
    """The classification (CST C246/7361, second element) and the chapter 99 one (third element)."""
    csts = line.at(edi.LINE_CST)
    if not csts:
        return None, None
    cst, entry = csts[0], codes.CLASSIFICATION_INVALID
    classification = _code(findings, cst, place, 2, CLASSIFICATION, entry, "classification")
    chapter99 = _code(
        findings, cst, place, 3, CLASSIFICATION, entry, "chapter 99 classification", required=False
    )
    return classification, chapter99


def _code(
    findings: Findings,
    segment: Segment,
    place: Place,
    element: int,
    pattern: re.Pattern[str],
    entry: CatalogueEntry,
    what: str,
    *,
    required: bool = True,
) -> str | None:
    return code_at(
        findings, segment, place, element, pattern=pattern, entry=entry, what=what, required=required
    )


def _description(ftx: Segment, findings: Findings, place: Place) -> str | None:
    parts = ftx.element(4)
    for number, part in enumerate(parts, start=1):
        if len(part) > MAX_DESCRIPTION_PART:
            message = f"description part {number} is {len(part)} characters, at most {MAX_DESCRIPTION_PART}"
            findings.add(codes.TEXT_TOO_LONG, message, place.at(ftx, 4, number))
    text = "".join(parts)  # the parts continue one another: a long text is cut every 512 characters
    if not text.strip():
        findings.add(codes.ELEMENT_MISSING, "FTX+AAA has no description", place.at(ftx, 4))
        return None
    return text


def _countries(
    line: LineSegments, findings: Findings, place: Place
) -> tuple[str | None, str | None, str | None]:
    locations = line.at(edi.LINE_LOC)
    origins = pick(findings, locations, edi.ORIGIN, place, name="LOC+27")
    exports = pick(findings, locations, edi.EXPORT_COUNTRY, place, name="LOC+35", required=False)
    if not origins:
        return None, None, None
    origin = _code(findings, origins[0], place, 2, COUNTRY, codes.COUNTRY_INVALID, "country of origin")
    state = _code(findings, origins[0], place, 3, COUNTRY, codes.COUNTRY_INVALID, "state", required=False)
    export = (
        _code(findings, exports[0], place, 2, COUNTRY, codes.COUNTRY_INVALID, "export country")
        if exports
        else None
    )
    return origin, state, export


def _shipment_date(line: LineSegments, findings: Findings, place: Place) -> date | None:
    dates = pick(findings, line.at(edi.LINE_DTM), edi.SHIPMENT_DATE, place, name="DTM+11")
    return read_date(findings, dates[0], place, what="date of direct shipment") if dates else None


def _quantity(
    line: LineSegments, findings: Findings, place: Place, decimal_mark: str
) -> tuple[str | None, Decimal | None]:
    measures = pick(findings, line.at(edi.LINE_MEA), edi.MEASUREMENT, place, name="MEA+AAE", required=False)
    if not measures:
        return None, None
    mea = measures[0]
    unit = code_at(findings, mea, place, 3, 1, pattern=UNIT, entry=codes.UNIT_INVALID, what="unit")
    quantity = number_at(
        findings, mea, place, 3, 2, decimal_mark=decimal_mark, decimals=QUANTITY_DECIMALS, what="quantity"
    )
    return unit, quantity


def _value(
    line: LineSegments, findings: Findings, place: Place, decimal_mark: str
) -> tuple[Decimal | None, str | None]:
    amounts = pick(findings, line.at(edi.SG35_MOA), edi.VALUE_FOR_DUTY, place, name="MOA+40")
    if not amounts:
        return None, None
    moa = amounts[0]
    value = number_at(
        findings, moa, place, 1, 2, decimal_mark=decimal_mark, decimals=MONEY_DECIMALS, what="value for duty"
    )
    currency = (
        code_at(findings, moa, place, 1, 3, pattern=CURRENCY, entry=codes.CURRENCY_INVALID, what="currency")
        if moa.component(1, 3)
        else CANADIAN_DOLLAR  # MIG.md §2: no currency = CAD
    )
    return value, currency


def _invoice(line: LineSegments, findings: Findings, place: Place) -> tuple[str, str] | None:
    references = pick(findings, line.at(edi.SG37_RFF), edi.INVOICE, place, name="RFF+IV")
    if not references:
        return None
    number = required_text(findings, references[0], place, 1, 2)
    invoice_line = required_text(findings, references[0], place, 1, 3)
    return (number, invoice_line) if number and invoice_line else None
