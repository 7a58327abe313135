"""Typed values read out of EDIFACT data elements, every problem recorded as a finding (mappers layer).

The small readers the CUSDEC mapper is made of: numbers in the interchange's decimal notation (no sign, no
thousands separator, no exponent, a bounded number of decimals - never rounded), CCYYMMDD dates and
CCYYMMDDHHMM times that must exist, identifiers checked by `domain.identifiers`, and the choice of the
segments with one qualifier among their siblings (required or not, at most so many). A reader returns the
value, or None after adding a `Finding` to the `Findings` it was given; it never raises, whatever the text.
A finding's `Pointer` is built only once there is a finding: building one costs more than reading most
fields, and sound messages are the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.cad import CANADIAN_DOLLAR
from domain.errors import InvalidIdentifier
from domain.findings import CatalogueEntry, Finding, Level, Pointer
from domain.money import to_cents
from mappers import codes
from mappers.cusdec_layout import CCYYMMDD, CCYYMMDDHHMM, label, qualifier
from parsers.model import Segment

# [U] CCYYMMDDHHMM (DTM format 203) carries no time zone; the guide does not name one. The gateway reads it as
# Eastern time, the zone CBSA's accounting runs on (DOMAIN.md: daily notices "after midnight ET").
DOCUMENT_TIME_ZONE = ZoneInfo("America/Toronto")
MONEY_DECIMALS = 2  # MIG.md §2 "Amounts"
QUANTITY_DECIMALS = 3  # MIG.md §2 "Amounts"
_DATE_LENGTHS = {CCYYMMDD: 8, CCYYMMDDHHMM: 12}


@dataclass(frozen=True, slots=True)
class Place:
    """The part of the CAD being read: header, summary, or one line of the detail."""

    level: Level
    line_number: int | None = None

    def at(self, segment: Segment | str, element: int | None = None, component: int = 1) -> Pointer:
        """A pointer to a segment (as DTM+204), and optionally its element[:component] (1:2)."""
        name = segment if isinstance(segment, str) else label(segment)
        place = None if element is None else str(element) if component == 1 else f"{element}:{component}"
        return Pointer(level=self.level, line_number=self.line_number, segment=name, element=place)


class Findings:
    """The findings of one mapping, in the order they were made."""

    def __init__(self) -> None:
        self._items: list[Finding] = []

    def add(self, entry: CatalogueEntry, message: str, pointer: Pointer) -> None:
        self._items.append(Finding(code=entry.code, message=message, pointer=pointer))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def all(self) -> tuple[Finding, ...]:
        return tuple(self._items)


def pick(
    findings: Findings,
    segments: Iterable[Segment],
    wanted: str,
    place: Place,
    *,
    name: str,
    required: bool = True,
    limit: int = 1,
) -> list[Segment]:
    """The segments qualified `wanted`; a finding when a required one is absent or there are too many."""
    chosen = [segment for segment in segments if qualifier(segment) == wanted]
    if required and not chosen:
        findings.add(codes.SEGMENT_MISSING, f"{name} is missing", place.at(name))
    if len(chosen) > limit:
        times = "once" if limit == 1 else f"{limit} times"
        findings.add(codes.TOO_MANY, f"{name} occurs {len(chosen)} times, at most {times}", place.at(name))
    return chosen


def required_text(
    findings: Findings, segment: Segment, place: Place, element: int, component: int = 1
) -> str:
    """The text of a component the guide requires ("" after a finding when it is empty)."""
    text = segment.component(element, component)
    if not text:
        pointer = place.at(segment, element, component)
        findings.add(codes.ELEMENT_MISSING, f"{label(segment)} has no value at {pointer.element}", pointer)
    return text


def code_at(
    findings: Findings,
    segment: Segment,
    place: Place,
    element: int,
    component: int = 1,
    *,
    pattern: re.Pattern[str],
    entry: CatalogueEntry,
    what: str,
    required: bool = True,
) -> str | None:
    """The code at element[:component], which must match `pattern`; absent: None (a finding if required)."""
    text = (
        required_text(findings, segment, place, element, component)
        if required
        else segment.component(element, component)
    )
    if not text:
        return None
    if pattern.fullmatch(text):
        return text
    findings.add(entry, f"{what} {text!r} is not valid", place.at(segment, element, component))
    return None


def number_at(
    findings: Findings,
    segment: Segment,
    place: Place,
    element: int,
    component: int,
    *,
    decimal_mark: str,
    decimals: int,
    what: str,
) -> Decimal | None:
    """The required number at element:component: not negative, written with `decimal_mark`, at most
    `decimals` decimals."""
    text = required_text(findings, segment, place, element, component)
    if not text:
        return None
    match = _number_pattern(decimal_mark).fullmatch(text)
    if match is None:
        entry, problem = codes.NUMBER_INVALID, f"is not a number written as 1234{decimal_mark}56"
    elif match["sign"]:
        entry, problem = codes.NEGATIVE_AMOUNT, "is negative"
    elif match["fraction"] and len(match["fraction"]) > decimals:
        entry, problem = codes.TOO_MANY_DECIMALS, f"has more than {decimals} decimals"
    else:
        whole, fraction = match["whole"], match["fraction"]
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    findings.add(entry, f"{what} {text!r} {problem}", place.at(segment, element, component))
    return None


@lru_cache(maxsize=4)  # one pattern per decimal mark: "." or "," (UNA position 3)
def _number_pattern(decimal_mark: str) -> re.Pattern[str]:
    return re.compile(rf"(?P<sign>-?)(?P<whole>[0-9]+)(?:{re.escape(decimal_mark)}(?P<fraction>[0-9]+))?")


def declared_cents(
    findings: Findings, moa: Segment, place: Place, *, decimal_mark: str, what: str
) -> int | None:
    """The amount (C516/5004) of a MOA declared in Canadian dollars: a currency (6345), if any, is CAD."""
    currency = moa.component(1, 3)
    if currency not in ("", CANADIAN_DOLLAR):
        message = f"{what} is declared in {currency}, not {CANADIAN_DOLLAR}"
        findings.add(codes.CURRENCY_INVALID, message, place.at(moa, 1, 3))
    amount = number_at(
        findings, moa, place, 1, 2, decimal_mark=decimal_mark, decimals=MONEY_DECIMALS, what=what
    )
    return None if amount is None else to_cents(amount)


def read_date(findings: Findings, segment: Segment, place: Place, *, what: str) -> date | None:
    """The CCYYMMDD date of a DTM segment (C507, format code 102)."""
    stamp = read_datetime(findings, segment, place, what=what, format_code=CCYYMMDD)
    return None if stamp is None else stamp.date()


def read_datetime(
    findings: Findings, segment: Segment, place: Place, *, what: str, format_code: str = CCYYMMDDHHMM
) -> datetime | None:
    """The date (102) or date and time (203) of a DTM segment; times are Eastern time."""
    text = required_text(findings, segment, place, 1, 2)
    given_format = segment.component(1, 3)
    if given_format != format_code:
        message = f"{what} must have format code {format_code}, not {given_format or 'none'}"
        findings.add(codes.DATE_FORMAT_INVALID, message, place.at(segment, 1, 3))
        return None
    if not text:
        return None
    stamp = _parse_stamp(text, _DATE_LENGTHS[format_code])
    if stamp is None:
        layout = "CCYYMMDD" if format_code == CCYYMMDD else "CCYYMMDDHHMM"
        findings.add(codes.DATE_INVALID, f"{what} {text!r} is not a real {layout}", place.at(segment, 1, 2))
    return stamp


@lru_cache(maxsize=4096)  # a day's CADs repeat a few hundred dates (release, shipment, document time)
def _parse_stamp(text: str, length: int) -> datetime | None:
    if len(text) != length or not text.isascii() or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    hour, minute = (int(text[8:10]), int(text[10:12])) if length == 12 else (0, 0)  # a date: 0:00
    try:
        return datetime(year, month, day, hour, minute, tzinfo=DOCUMENT_TIME_ZONE)
    except ValueError:  # year 0, month 13, 30 February, hour 24, ...: not a real date or time
        return None


def identifier_at(
    findings: Findings,
    segment: Segment,
    place: Place,
    element: int,
    component: int,
    *,
    parse: Callable[[str], object],
    entry: CatalogueEntry,
) -> str | None:
    """The required identifier at element:component, checked by its `domain.identifiers` parser."""
    text = required_text(findings, segment, place, element, component)
    if not text:
        return None
    try:
        return str(parse(text))
    except InvalidIdentifier as problem:
        findings.add(entry, str(problem), place.at(segment, element, component))
        return None
