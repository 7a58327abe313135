"""The Customs Tariff and the other reference rates, as values (domain layer).

A tariff edition (MIG.md §6) lists the tariff treatments with the countries of origin that may claim them, and
the tariff items (10-digit classification numbers) with one rate per treatment available for the item; a
treatment without a rate on an item is not available for it. Everything is effective-dated (DOMAIN.md
"Assessment"): a CAD is checked against the edition in force on its release date (the latest whose effective
date is on or before it) and, within it, the items and rates with effective <= date < expires. `Tariff` is
the port validators and the assessment read the tariff through; `InMemoryTariff` serves one edition from
memory; `ReferenceSnapshot` freezes what one inbound file needs (its tariff lines and exchange rates) so the
pure core never queries the store. Exchange and prescribed interest rates are `ExchangeRate` and
`PrescribedRate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Protocol

from domain.errors import InvalidReferenceData

_TREATMENT_CODE = re.compile(r"[1-9][0-9]{0,2}")  # C243/5279 as the tariff prints it: no leading zero
_TREATMENT_NAME = re.compile(r"[A-Z]{1,20}")
_COUNTRY = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2
_NUMBER = re.compile(r"[0-9]{10}")  # 8-digit tariff item + 2-digit statistical suffix
_UOM = re.compile(r"[A-Z0-9]{3}")  # UN/ECE Recommendation 20 as the tariff prints it (KGM, NMB, PAR, LPA)
_EDITION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
_CURRENCY = re.compile(r"[A-Z]{3}")
QUARTER_MONTHS = (1, 4, 7, 10)


class RateForm(StrEnum):
    """The forms a rate may take (MIG.md §6), named by the parts it has."""

    FREE = "free"
    AD_VALOREM = "adValorem"
    SPECIFIC = "specific"
    COMPOUND = "adValorem+specific"  # both parts added
    MINIMUM = "adValorem+minimum"  # whichever is higher
    # Extension of MIG.md §6: the real tariff has "5% but not less than 4.74¢/kg or more than 9.48¢/kg"
    # (0207.27.91.00), i.e. the ad valorem amount held between a floor and a ceiling per unit of measure.
    MINIMUM_MAXIMUM = "adValorem+minimum+maximum"


# (free, ad valorem, specific, minimum, maximum) present -> the form; any other combination is refused.
_FORMS: dict[tuple[bool, bool, bool, bool, bool], RateForm] = {
    (True, False, False, False, False): RateForm.FREE,
    (False, True, False, False, False): RateForm.AD_VALOREM,
    (False, False, True, False, False): RateForm.SPECIFIC,
    (False, True, True, False, False): RateForm.COMPOUND,
    (False, True, False, True, False): RateForm.MINIMUM,
    (False, True, False, True, True): RateForm.MINIMUM_MAXIMUM,
}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidReferenceData(message)


def _check_period(effective: date | None, expires: date | None, what: str) -> None:
    if effective is not None and expires is not None:
        _require(expires > effective, f"{what} expires on {expires}, not after it takes effect ({effective})")


@dataclass(frozen=True, slots=True, kw_only=True)
class Treatment:
    """A tariff treatment (C243/5279 code and name) and the origins that may claim it; empty = any origin."""

    code: str
    name: str
    countries: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _require(bool(_TREATMENT_CODE.fullmatch(self.code)), f"treatment code {self.code!r} is invalid")
        _require(bool(_TREATMENT_NAME.fullmatch(self.name)), f"treatment name {self.name!r} is not A-Z")
        bad = sorted(c for c in self.countries if not _COUNTRY.fullmatch(c))
        _require(not bad, f"treatment {self.name} lists {bad} that are not ISO 3166-1 alpha-2 codes")

    def allows(self, country: str) -> bool:
        """Whether goods of origin `country` may claim this treatment."""
        return not self.countries or country in self.countries


@dataclass(frozen=True, slots=True, kw_only=True)
class Rate:
    """One treatment's rate on a tariff item: ad valorem in percent, the others in CAD per unit of measure."""

    treatment: str
    free: bool = False
    ad_valorem: Decimal | None = None
    specific: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    effective: date | None = None  # None: from the item's effective date
    expires: date | None = None  # exclusive; None: as long as the item

    def __post_init__(self) -> None:
        _require(bool(_TREATMENT_CODE.fullmatch(self.treatment)), f"treatment {self.treatment!r} is invalid")
        # The message only when it is needed (not through _require): a tariff builds thousands of rates.
        if self.parts() not in _FORMS:
            raise InvalidReferenceData(f"a rate cannot be {self._describe_parts()}")
        for name in ("ad_valorem", "specific", "minimum", "maximum"):
            value: Decimal | None = getattr(self, name)
            _require(value is None or (value.is_finite() and value >= 0), f"{name} {value} is not >= 0")
        if self.minimum is not None and self.maximum is not None:
            _require(self.maximum >= self.minimum, f"maximum {self.maximum} is below minimum {self.minimum}")
        _check_period(self.effective, self.expires, f"the rate of treatment {self.treatment}")

    def parts(self) -> tuple[bool, bool, bool, bool, bool]:
        return (
            self.free,
            self.ad_valorem is not None,
            self.specific is not None,
            self.minimum is not None,
            self.maximum is not None,
        )

    @property
    def form(self) -> RateForm:
        return _FORMS[self.parts()]

    @property
    def per_unit(self) -> bool:
        """Whether the rate has a part in CAD per unit of measure (so the item needs a unit)."""
        return self.specific is not None or self.minimum is not None

    def _describe_parts(self) -> str:
        names = ("free", "adValorem", "specific", "minimum", "maximum")
        present = [name for name, has in zip(names, self.parts(), strict=True) if has]
        return "+".join(present) or "empty"


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffItem:
    """A classification number with its unit of measure and its rates, in force effective <= d < expires."""

    number: str
    uom: str | None
    description: str
    effective: date
    expires: date | None = None
    rates: tuple[Rate, ...] = ()

    def __post_init__(self) -> None:
        _require(bool(_NUMBER.fullmatch(self.number)), f"classification {self.number!r} is not 10 digits")
        _require(self.uom is None or bool(_UOM.fullmatch(self.uom)), f"unit {self.uom!r} is not a unit code")
        _require(bool(self.description.strip()), f"item {self.number} has no description")
        _check_period(self.effective, self.expires, f"item {self.number}")
        needs_unit = [rate.treatment for rate in self.rates if rate.per_unit]
        _require(self.uom is not None or not needs_unit, f"item {self.number} has rates per unit but no unit")
        self._check_no_overlap()

    def _start(self, rate: Rate) -> date:
        return rate.effective or self.effective

    def _check_no_overlap(self) -> None:
        by_treatment: dict[str, list[Rate]] = {}
        for rate in self.rates:
            by_treatment.setdefault(rate.treatment, []).append(rate)
        for treatment, rates in by_treatment.items():
            ordered = sorted(rates, key=self._start)
            for earlier, later in pairwise(ordered):
                overlaps = earlier.expires is None or earlier.expires > self._start(later)
                _require(not overlaps, f"item {self.number} has overlapping rates for treatment {treatment}")

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.expires is None or on < self.expires)

    def rate_for(self, treatment: str, on: date) -> Rate | None:
        """The rate of `treatment` on `on`; None if the item is not in force or the treatment unavailable."""
        if not self.in_force(on):
            return None
        for rate in self.rates:
            if rate.treatment == treatment and self._start(rate) <= on and (rate.expires or date.max) > on:
                return rate
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffEdition:
    """One published edition of the tariff (MIG.md §6), loaded in `sequence` order."""

    edition: str
    sequence: int
    effective: date
    treatments: tuple[Treatment, ...]
    items: tuple[TariffItem, ...]

    def __post_init__(self) -> None:
        _require(bool(_EDITION.fullmatch(self.edition)), f"edition name {self.edition!r} is invalid")
        _require(self.sequence >= 1, f"edition {self.edition} has sequence {self.sequence}, not 1 or more")
        codes = [treatment.code for treatment in self.treatments]
        _require(len(set(codes)) == len(codes), f"edition {self.edition} defines a treatment code twice")
        numbers = [item.number for item in self.items]
        _require(len(set(numbers)) == len(numbers), f"edition {self.edition} lists an item twice")
        undefined = {rate.treatment for item in self.items for rate in item.rates} - set(codes)
        _require(not undefined, f"edition {self.edition} has rates of unknown treatments {sorted(undefined)}")

    @property
    def rate_count(self) -> int:
        return sum(len(item.rates) for item in self.items)


class Tariff(Protocol):
    """The tariff in force, as validators and the assessment read it."""

    def item(self, number: str, on: date) -> TariffItem | None: ...

    def treatment(self, code: str) -> Treatment | None: ...


def edition_in_force(editions: Iterable[TariffEdition], on: date) -> TariffEdition | None:
    """The edition in force on `on`: the latest effective on or before it (the higher sequence on a tie)."""
    candidates = [edition for edition in editions if edition.effective <= on]
    return max(candidates, key=lambda e: (e.effective, e.sequence), default=None)


class InMemoryTariff:
    """The `Tariff` of one edition (or of none: every look-up finds nothing), served from memory."""

    def __init__(self, edition: TariffEdition | None) -> None:
        self.edition = edition
        self._items = {item.number: item for item in edition.items} if edition else {}
        self._treatments = {t.code: t for t in edition.treatments} if edition else {}

    def item(self, number: str, on: date) -> TariffItem | None:
        found = self._items.get(number)
        if found is None or self.edition is None or on < self.edition.effective:
            return None
        return found if found.in_force(on) else None

    def treatment(self, code: str) -> Treatment | None:
        return self._treatments.get(code)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeRate:
    """A Bank of Canada daily rate: CAD for one unit of `currency` on `rate_date` (MIG.md §6)."""

    rate_date: date
    currency: str
    cad_per_unit: Decimal

    def __post_init__(self) -> None:
        _require(bool(_CURRENCY.fullmatch(self.currency)), f"currency {self.currency!r} is not 3 letters")
        _require(self.cad_per_unit.is_finite() and self.cad_per_unit > 0, "an exchange rate must be > 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class PrescribedRate:
    """The prescribed annual interest rate of a calendar quarter, in percent (DOMAIN.md "Interest")."""

    quarter_start: date
    percent: Decimal
    source_url: str | None = None

    def __post_init__(self) -> None:
        start = self.quarter_start
        _require(start.day == 1 and start.month in QUARTER_MONTHS, f"{start} is not the start of a quarter")
        _require(self.percent.is_finite() and self.percent >= 0, f"rate {self.percent} is not >= 0")


def quarter_start(on: date) -> date:
    """The first day of the calendar quarter holding `on`."""
    return date(on.year, (on.month - 1) // 3 * 3 + 1, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceSnapshot:
    """The reference data one inbound file needs, frozen when its processing starts.

    `editions` hold only the items asked for; `exchange_rates` maps (currency, date) to CAD per unit.
    """

    editions: tuple[TariffEdition, ...] = ()
    exchange_rates: Mapping[tuple[str, date], Decimal] = field(default_factory=dict)
    _tariffs: dict[int, InMemoryTariff] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tariffs", {e.sequence: InMemoryTariff(e) for e in self.editions})

    def tariff(self, on: date) -> Tariff:
        """The tariff in force on `on` (an empty one when no edition is)."""
        edition = edition_in_force(self.editions, on)
        return self._tariffs[edition.sequence] if edition else InMemoryTariff(None)

    def exchange_rate(self, currency: str, on: date) -> Decimal | None:
        """The rate of that exact date, or None: the gateway never guesses a rate (MIG.md §6)."""
        return self.exchange_rates.get((currency, on))
