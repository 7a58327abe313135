"""The payments feed: CSV bytes to `Payment` values (parsers layer).

`importer_bn15,date,amount,reference`, one payment a line, header required (`carm-gateway payments load`).
Pure and strict, like the rates feeds: the BN15 must be a valid import/export (RM) account, the date a real
ISO date, the amount a positive number of dollars with exactly two decimals, the reference a unique token
(`domain.payments.PAYMENT_REFERENCE`) given once in the file; an empty file is refused. Every problem is a
`PaymentsFeedError` naming its line. Whether the importer is registered is for the ledger to say.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Final

from domain.errors import DomainError
from domain.identifiers import ProgramAccount
from domain.money import to_cents
from domain.payments import PAYMENT_REFERENCE, Payment
from parsers.errors import FeedError

HEADER: Final = ("importer_bn15", "date", "amount", "reference")
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT: Final = re.compile(r"[0-9]{1,13}\.[0-9]{2}")  # dollars and cents; BIGINT cents hold far more


class PaymentsFeedError(FeedError):
    """A payments CSV is malformed (a subclass of the feed errors of `parsers.errors`)."""


def parse_payments(data: bytes) -> tuple[Payment, ...]:
    """Read `importer_bn15,date,amount,reference` rows.

    Raises:
        PaymentsFeedError: the file is empty or malformed, or gives one reference twice.
    """
    payments: list[Payment] = []
    first_line: dict[str, int] = {}
    for line, fields in _rows(data):
        payment = _payment(line, fields)
        if payment.reference in first_line:
            where = first_line[payment.reference]
            raise PaymentsFeedError(
                f"line {line}: reference {payment.reference} is already given on line {where}.", line=line
            )
        first_line[payment.reference] = line
        payments.append(payment)
    return tuple(payments)


def _rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PaymentsFeedError(f"The payments file is not UTF-8 text (byte {error.start}).") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = tuple(name.strip() for name in next(reader, []))
        if header != HEADER:
            expected, found = ",".join(HEADER), ",".join(header) or "nothing"
            raise PaymentsFeedError(f"line 1: the header must be {expected}, not {found}.", line=1)
        rows = [
            (reader.line_num, [f.strip() for f in fields]) for fields in reader if any(map(str.strip, fields))
        ]
    except csv.Error as error:
        raise PaymentsFeedError(f"line {reader.line_num}: {error}.", line=reader.line_num) from None
    if not rows:
        raise PaymentsFeedError("The payments file has a header but no payments.", line=1)
    return rows


def _payment(line: int, fields: list[str]) -> Payment:
    if len(fields) != len(HEADER):
        raise PaymentsFeedError(
            f"line {line}: {len(fields)} fields where the header has {len(HEADER)}.", line=line
        )
    bn15, day, amount, reference = fields
    try:
        account = ProgramAccount.parse_importer(bn15)
    except DomainError as error:
        raise PaymentsFeedError(f"line {line}: {error}.", line=line) from None
    problem = _problem(day, amount, reference)
    if problem:
        raise PaymentsFeedError(f"line {line}: {problem}.", line=line)
    return Payment(
        importer_bn15=str(account),
        received_on=dt.date.fromisoformat(day),
        amount_cents=to_cents(Decimal(amount)),
        reference=reference,
    )


def _problem(day: str, amount: str, reference: str) -> str:
    """What is wrong with the date, amount or reference of a line ("" when nothing is)."""
    if not _is_real_date(day):
        return f"date {day!r} is not a real date YYYY-MM-DD"
    if not _AMOUNT.fullmatch(amount) or Decimal(amount) <= 0:
        return f"amount {amount!r} is not a positive amount with two decimals, like 1250.00"
    if not PAYMENT_REFERENCE.fullmatch(reference):
        return (
            f"reference {reference!r} is not 1 to 60 letters, digits and . _ : / - starting with a letter "
            "or digit"
        )
    return ""


def _is_real_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
