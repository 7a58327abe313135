"""The exchange-rate and prescribed-interest feeds: CSV bytes to values (parsers layer).

Exchange rates (MIG.md §6) come as `date,currency,cad_per_unit`, the Bank of Canada daily rates in CAD per
unit; prescribed interest rates as `quarter_start,prescribed_percent[,source_url]`, one per calendar quarter
(DOMAIN.md "Interest"). Both parsers are pure: bytes in, a tuple of domain values out, or a `RatesFeedError`
whose message names the line. They are strict because the gateway never guesses a rate: the header is
required, codes are ISO 4217, dates real ISO dates, numbers plain decimals with no more places than the store
keeps (so nothing is rounded when loaded), one row per key, and an empty file is refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from domain.errors import InvalidReferenceData
from domain.tariff import ExchangeRate, PrescribedRate
from parsers.errors import RatesFeedError

EXCHANGE_HEADER = ("date", "currency", "cad_per_unit")
INTEREST_HEADERS = (
    ("quarter_start", "prescribed_percent"),
    ("quarter_start", "prescribed_percent", "source_url"),
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RATE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,8})?")  # exchange_rate.cad_per_unit NUMERIC(18, 8)
_PERCENT = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")  # interest_rate.prescribed_percent NUMERIC(7, 4)
# [M] ISO 4217 active currency codes (list of 2025, with XCG and ZWG); fund, metal and test codes (BOV, XAU,
# XDR, XTS, XXX...) are left out because no exchange rate is published for them, and CAD needs no rate.
_ISO_4217_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD
OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD
XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())
_T = TypeVar("_T")
Row = tuple[int, list[str]]  # (line number, fields)


def parse_exchange_rates(data: bytes) -> tuple[ExchangeRate, ...]:
    """Read `date,currency,cad_per_unit` rows.

    Raises:
        RatesFeedError: the file is empty or malformed, or gives one (date, currency) twice.
    """
    rows = _rows(data, (EXCHANGE_HEADER,))
    rates = tuple(_build(line, _exchange_rate, fields) for line, fields in rows)
    _refuse_duplicates(rows, [(rate.currency, rate.rate_date) for rate in rates], "{0} on {1}")
    return rates


def parse_interest_rates(data: bytes) -> tuple[PrescribedRate, ...]:
    """Read `quarter_start,prescribed_percent[,source_url]` rows.

    Raises:
        RatesFeedError: the file is empty or malformed, a date is not a quarter start, or a quarter repeats.
    """
    rows = _rows(data, INTEREST_HEADERS)
    rates = tuple(_build(line, _prescribed_rate, fields) for line, fields in rows)
    _refuse_duplicates(rows, [(rate.quarter_start,) for rate in rates], "the quarter starting {0}")
    return rates


def _exchange_rate(fields: list[str]) -> ExchangeRate:
    rate_date, currency, value = fields
    if currency == "CAD" or currency not in ISO_4217:
        raise InvalidReferenceData(f"{currency!r} is not an ISO 4217 currency code other than CAD")
    cad_per_unit = _decimal(value, _RATE, "cad_per_unit", "a positive decimal with at most 8 places")
    return ExchangeRate(rate_date=_date(rate_date), currency=currency, cad_per_unit=cad_per_unit)


def _prescribed_rate(fields: list[str]) -> PrescribedRate:
    start, percent = fields[0], fields[1]
    source = fields[2] if len(fields) > 2 and fields[2] else None
    if source is not None and not source.startswith(("https://", "http://")):
        raise InvalidReferenceData(f"source_url {source!r} is not an http(s) address")
    value = _decimal(percent, _PERCENT, "prescribed_percent", "a percentage below 1000 with at most 4 places")
    return PrescribedRate(quarter_start=_date(start), percent=value, source_url=source)


def _rows(data: bytes, headers: Sequence[tuple[str, ...]]) -> list[Row]:
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    header = tuple(name.strip() for name in next(reader, []))
    if not header or header == ("",):
        raise RatesFeedError("The rates file is empty.")
    if header not in headers:
        expected = " or ".join(",".join(names) for names in headers)
        raise RatesFeedError(f"line 1: the header must be {expected}, not {','.join(header)}.", line=1)
    rows: list[Row] = []
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                rows.append((reader.line_num, _fields(fields, len(header), reader.line_num)))
    except csv.Error as error:
        raise RatesFeedError(f"line {reader.line_num}: {error}.", line=reader.line_num) from None
    if not rows:
        raise RatesFeedError("The rates file has a header but no rates.", line=1)
    return rows


def _fields(fields: list[str], expected: int, line: int) -> list[str]:
    if len(fields) != expected:
        raise RatesFeedError(f"line {line}: {len(fields)} fields where the header has {expected}.", line=line)
    return [field.strip() for field in fields]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RatesFeedError(f"The rates file is not UTF-8 text (byte {error.start}).") from None


def _build(line: int, build: Callable[[list[str]], _T], fields: list[str]) -> _T:
    try:
        return build(fields)
    except InvalidReferenceData as error:
        raise RatesFeedError(f"line {line}: {error}.", line=line) from None


def _date(text: str) -> date:
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass  # the shape is right, the day is not: said below
    raise InvalidReferenceData(f"{text!r} is not a real date YYYY-MM-DD")


def _decimal(text: str, shape: re.Pattern[str], name: str, expected: str) -> Decimal:
    if not shape.fullmatch(text):
        raise InvalidReferenceData(f"{name} {text!r} is not {expected}")
    return Decimal(text)


def _refuse_duplicates(rows: list[Row], keys: list[tuple[object, ...]], describe: str) -> None:
    first_line: dict[tuple[object, ...], int] = {}
    for (line, _fields_of_row), key in zip(rows, keys, strict=True):
        if key in first_line:
            what = describe.format(*key)
            message = f"line {line}: {what} is already given on line {first_line[key]}."
            raise RatesFeedError(message, line=line)
        first_line[key] = line
