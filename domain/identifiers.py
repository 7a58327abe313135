"""The identifiers of customs accounting and their check digits (domain layer).

Each identifier is a frozen value holding its canonical text, checked when it is built: `parse(text)`
returns the value or raises `InvalidIdentifier` saying in one sentence what is wrong, and `str()` gives the
canonical text back. Parsing is strict (no trimming, no case folding): the mappers decide what a field's
text is, the domain decides whether it is a valid identifier. Rules from DOMAIN.md "Parties and
identifiers": a business number (BN9) ends in a Luhn check digit; a program account (BN15) is a BN9, a
two-letter program and a four-digit reference; a transaction number ends in its own mod-10 check digit
(not Luhn's); cargo control numbers start with the carrier code; office and sub-location codes are four
digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from domain.errors import InvalidIdentifier

IMPORT_EXPORT_PROGRAM = "RM"  # the CRA program identifier of import/export accounts (DOMAIN.md)
MAX_TRANSACTION_SEQUENCE = 99_999_999  # the 8-digit sequence part of a transaction number

_DIGITS = {n: re.compile(rf"[0-9]{{{n}}}") for n in (4, 5, 8, 9, 13, 14)}
_BN15 = re.compile(r"[0-9]{9}[A-Z]{2}[0-9]{4}")
# A carrier code is 4 letters or digits; the rest of a CCN may also hold hyphens, 5 to 25 characters in all.
_CCN = re.compile(r"[A-Z0-9]{4}[A-Z0-9-]{1,21}")


def _doubled_digit_sum(digits: str) -> int:
    """Sum the digits, doubling those at odd 0-based indices; a doubled value ≥ 10 adds its digit sum."""
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value >= 10 else value  # 10..18 -> 1..9, the sum of its two digits
    return total


def luhn_check_digit(payload: str) -> int:
    """The Luhn (mod 10) check digit that follows `payload`, e.g. the 9th digit of a BN9.

    Raises:
        ValueError: `payload` is not a non-empty string of ASCII digits.
    """
    if not re.fullmatch(r"[0-9]+", payload):
        raise ValueError(f"a Luhn payload is ASCII digits, not {payload!r}")
    # Luhn doubles every second digit counting leftwards from the payload's last one; a leading zero
    # makes the payload's length even, so those are exactly the digits at odd indices from the left.
    padded = "0" * (len(payload) % 2) + payload
    return (10 - _doubled_digit_sum(padded) % 10) % 10


def transaction_check_digit(first13: str) -> int:
    """The check digit of a transaction number: the doubled-digit sum of its first 13 digits, mod 10.

    Unlike Luhn, the check is the sum mod 10 itself, not 10 minus it (DOMAIN.md).

    Raises:
        ValueError: `first13` is not 13 ASCII digits.
    """
    if not _DIGITS[13].fullmatch(first13):
        raise ValueError(f"a transaction number's payload is 13 digits, not {first13!r}")
    return _doubled_digit_sum(first13) % 10


def _has_luhn_check_digit(bn9: str) -> bool:
    return luhn_check_digit(bn9[:8]) == int(bn9[8])


@dataclass(frozen=True, slots=True, kw_only=True)
class _Identifier:
    """An identifier as its canonical text, checked on construction by the subclass's `_check`."""

    KIND: ClassVar[str] = "identifier"

    value: str

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        raise NotImplementedError

    def _invalid(self, reason: str) -> InvalidIdentifier:
        return InvalidIdentifier(self.KIND, self.value, reason)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read an identifier from its canonical text.

        Raises:
            InvalidIdentifier: the text breaks the identifier's format or check digit.
        """
        return cls(value=text)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessNumber(_Identifier):
    """A business number (BN9): 9 digits, the last a Luhn check digit."""

    KIND: ClassVar[str] = "BN9"

    def _check(self) -> None:
        if not _DIGITS[9].fullmatch(self.value):
            raise self._invalid("must be 9 digits")
        if not _has_luhn_check_digit(self.value):
            raise self._invalid("fails its check digit (Luhn mod 10)")

    @classmethod
    def build(cls, first8: str) -> Self:
        """The business number made of `first8` and its Luhn check digit.

        Raises:
            InvalidIdentifier: `first8` is not 8 digits.
        """
        if not _DIGITS[8].fullmatch(first8):
            raise InvalidIdentifier(cls.KIND, first8, "needs 8 digits before its check digit")
        return cls(value=first8 + str(luhn_check_digit(first8)))


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgramAccount(_Identifier):
    """A program account (BN15): BN9, a 2-letter program and a 4-digit reference, e.g. 123456782RM0001."""

    KIND: ClassVar[str] = "BN15"

    def _check(self) -> None:
        if not _BN15.fullmatch(self.value):
            raise self._invalid("must be 9 digits, 2 capital letters and 4 digits, like 123456782RM0001")
        if not _has_luhn_check_digit(self.value[:9]):
            raise self._invalid("has a business number that fails its check digit (Luhn mod 10)")

    @property
    def bn9(self) -> BusinessNumber:
        """The business the account belongs to."""
        return BusinessNumber(value=self.value[:9])

    @property
    def program(self) -> str:
        """The two-letter program identifier (`RM` = import/export)."""
        return self.value[9:11]

    @property
    def reference(self) -> str:
        """The four-digit reference number of the account within the program."""
        return self.value[11:]

    @property
    def is_import_export(self) -> bool:
        """Whether this is an import/export (RM) account, the only kind that may import."""
        return self.program == IMPORT_EXPORT_PROGRAM

    def require_import_export(self) -> Self:
        """This account, insisting that it is an import/export (RM) account.

        Raises:
            InvalidIdentifier: the account belongs to another program.
        """
        if not self.is_import_export:
            raise self._invalid(f"is not an import/export ({IMPORT_EXPORT_PROGRAM}) program account")
        return self

    @classmethod
    def parse_importer(cls, text: str) -> Self:
        """Read the program account of an importer, which must be an import/export (RM) account.

        Raises:
            InvalidIdentifier: the text is not a BN15, or not an RM account.
        """
        return cls.parse(text).require_import_export()


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionNumber(_Identifier):
    """A transaction number: 5-digit account security number, 8-digit sequence, 1 check digit."""

    KIND: ClassVar[str] = "transaction number"

    def _check(self) -> None:
        if not _DIGITS[14].fullmatch(self.value):
            raise self._invalid("must be 14 digits")
        if transaction_check_digit(self.value[:13]) != int(self.value[13]):
            raise self._invalid("fails its check digit")

    @property
    def security(self) -> str:
        """The account security number of the broker or importer that owns the number range."""
        return self.value[:5]

    @property
    def sequence(self) -> int:
        """The sequence number within the account security number."""
        return int(self.value[5:13])

    @classmethod
    def build(cls, security: str, sequence: int) -> Self:
        """The transaction number of `sequence` under account security number `security`.

        Raises:
            InvalidIdentifier: `security` is not 5 digits or `sequence` does not fit in 8 digits.
        """
        if not _DIGITS[5].fullmatch(security):
            raise InvalidIdentifier("account security number", security, "must be 5 digits")
        if not 0 <= sequence <= MAX_TRANSACTION_SEQUENCE:
            raise InvalidIdentifier(
                "transaction sequence", str(sequence), f"must be from 0 to {MAX_TRANSACTION_SEQUENCE}"
            )
        first13 = f"{security}{sequence:08d}"
        return cls(value=first13 + str(transaction_check_digit(first13)))


@dataclass(frozen=True, slots=True, kw_only=True)
class CargoControlNumber(_Identifier):
    """A cargo control number (CCN): a 4-character carrier code and up to 21 more characters."""

    KIND: ClassVar[str] = "CCN"

    def _check(self) -> None:
        if not _CCN.fullmatch(self.value):
            raise self._invalid(
                "must be 5 to 25 characters of A-Z, 0-9 and '-', starting with a 4-character carrier code"
            )

    @property
    def carrier_code(self) -> str:
        """The code of the carrier that issued the number."""
        return self.value[:4]


@dataclass(frozen=True, slots=True, kw_only=True)
class _FourDigitCode(_Identifier):
    """A code of exactly four digits; leading zeros are significant (`0453`)."""

    def _check(self) -> None:
        if not _DIGITS[4].fullmatch(self.value):
            raise self._invalid("must be 4 digits")


@dataclass(frozen=True, slots=True, kw_only=True)
class OfficeCode(_FourDigitCode):
    """A customs office (port) code, e.g. 0453."""

    KIND: ClassVar[str] = "office code"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubLocationCode(_FourDigitCode):
    """A sub-location code within a customs office (a warehouse or sufferance site)."""

    KIND: ClassVar[str] = "sub-location code"
