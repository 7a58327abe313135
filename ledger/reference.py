"""Reference data in the store: tariff editions, exchange rates, prescribed interest rates (ledger layer).

Operators load them (`tariff load`, `rates load`, MIG.md §6); the pipeline reads them. An edition is written
whole in the caller's transaction, only as the next in sequence (max + 1, the first is 1); a gap or a repeat
is refused naming both numbers. Rates are idempotent per key: the same value again is a no-op, a different
one refuses the whole load. Reads honour effective dates (DOMAIN.md "Assessment"): the edition in force on a
date is the latest effective on or before it (the higher sequence on a tie), and within it the items and rates
with effective <= date < expires. Exchange rates are read for their exact date only: never a guess.
`snapshot` freezes, in four indexed queries, what one inbound file needs, for the pure core.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, Table, func, select

from domain.clock import Clock
from domain.tariff import (
    ExchangeRate,
    InMemoryTariff,
    PrescribedRate,
    Rate,
    ReferenceSnapshot,
    TariffEdition,
    TariffItem,
    Treatment,
    edition_in_force,
    quarter_start,
)
from ledger.errors import EditionOutOfSequence, RateConflict
from ledger.schema import (
    exchange_rate,
    interest_rate,
    tariff_edition,
    tariff_item,
    tariff_rate,
    tariff_treatment,
)

_K = TypeVar("_K")

# What a process remembers of the reference data per engine, at most this many items (then it starts over).
REMEMBERED_ITEMS = 100_000


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadCounts:
    """How many rates a load added, and how many it found already loaded with the same value."""

    new: int
    unchanged: int


class ReferenceData:
    """Repository of the tariff and the rates, inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def load_tariff(self, edition: TariffEdition, source_sha256: str) -> None:
        """Insert a whole edition (every treatment, item and rate); it must be the next in sequence."""
        self._check_sequence(edition)
        row = {"edition": edition.edition, "sequence": edition.sequence, "effective": edition.effective}
        insert = tariff_edition.insert().values(
            **row, source_sha256=source_sha256, loaded_at=self._clock.now()
        )
        edition_id = self._connection.execute(insert.returning(tariff_edition.c.id)).scalar_one()
        self._insert(tariff_treatment, [_treatment_row(edition_id, t) for t in edition.treatments])
        item_ids = self._insert_items(edition_id, edition.items)
        rates = [_rate_row(item_ids[item.number], rate) for item in edition.items for rate in item.rates]
        self._insert(tariff_rate, rates)

    def _insert(self, table: Table, rows: list[dict[str, object]]) -> None:
        if rows:  # an executemany of nothing is an error to SQLAlchemy
            self._connection.execute(table.insert(), rows)

    def _insert_items(self, edition_id: int, items: Sequence[TariffItem]) -> dict[str, int]:
        """Insert the items (batched by SQLAlchemy's insertmanyvalues) and return their ids by number."""
        if not items:
            return {}
        insert = tariff_item.insert().returning(tariff_item.c.id, tariff_item.c.number)
        inserted = self._connection.execute(insert, [_item_row(edition_id, item) for item in items])
        return {number: item_id for item_id, number in inserted}

    def last_sequence(self) -> int:
        """The sequence of the last tariff edition loaded (0 when none is)."""
        return int(self._connection.execute(select(func.max(tariff_edition.c.sequence))).scalar() or 0)

    def _check_sequence(self, edition: TariffEdition) -> None:
        last = self.last_sequence()
        if edition.sequence != last + 1:
            loaded = f"the last loaded is {last}" if last else "none is loaded yet"
            problem = "is already loaded" if edition.sequence <= last else "leaves a gap"
            raise EditionOutOfSequence(
                f"Tariff edition {edition.edition} has sequence {edition.sequence}, which {problem}: "
                f"the next edition must be sequence {last + 1} ({loaded})."
            )
        same_name = select(tariff_edition.c.sequence).where(tariff_edition.c.edition == edition.edition)
        earlier = self._connection.execute(same_name).scalar_one_or_none()
        if earlier is not None:
            raise EditionOutOfSequence(
                f"Tariff edition {edition.edition} is already loaded as sequence {earlier}, "
                f"so it cannot be loaded again as sequence {edition.sequence}."
            )

    def load_exchange_rates(self, rates: Sequence[ExchangeRate]) -> LoadCounts:
        """Add the rates not loaded yet; refuse all if one differs from the rate loaded for its key."""
        keys = {(rate.rate_date, rate.currency): rate.cad_per_unit for rate in rates}
        if not keys:
            return LoadCounts(new=0, unchanged=0)
        query = select(exchange_rate).where(
            exchange_rate.c.rate_date.between(min(k[0] for k in keys), max(k[0] for k in keys)),
            exchange_rate.c.currency.in_(sorted({k[1] for k in keys})),
        )
        loaded = {(r.rate_date, r.currency): r.cad_per_unit for r in self._connection.execute(query)}
        new = _new_or_refuse(keys, loaded, lambda k: f"exchange rate of {k[1]} on {k[0]}")
        rows = [{"rate_date": k[0], "currency": k[1], "cad_per_unit": keys[k]} for k in new]
        self._insert(exchange_rate, rows)
        return LoadCounts(new=len(new), unchanged=len(keys) - len(new))

    def load_interest_rates(self, rates: Sequence[PrescribedRate]) -> LoadCounts:
        """Add the quarters not loaded yet; refuse all if one differs from the rate loaded for its quarter."""
        keys = {rate.quarter_start: rate.percent for rate in rates}
        loaded = {
            r.quarter_start: r.prescribed_percent
            for r in self._connection.execute(
                select(interest_rate).where(interest_rate.c.quarter_start.in_(keys))
            )
        }
        new = _new_or_refuse(keys, loaded, lambda k: f"prescribed rate of the quarter starting {k}")
        self._insert(interest_rate, [{"quarter_start": k, "prescribed_percent": keys[k]} for k in new])
        return LoadCounts(new=len(new), unchanged=len(keys) - len(new))

    def exchange_rate(self, currency: str, on: date) -> Decimal | None:
        """CAD per unit of `currency` on exactly `on`, or None (never the rate of another day)."""
        query = select(exchange_rate.c.cad_per_unit).where(
            exchange_rate.c.rate_date == on, exchange_rate.c.currency == currency
        )
        return _optional(self._connection.execute(query).scalar_one_or_none())

    def prescribed_rate(self, on: date) -> Decimal | None:
        """The prescribed annual rate (percent) of the quarter holding `on`, or None if not loaded."""
        query = select(interest_rate.c.prescribed_percent).where(
            interest_rate.c.quarter_start == quarter_start(on)
        )
        return _optional(self._connection.execute(query).scalar_one_or_none())

    def tariff_item(self, number: str, on: date) -> TariffItem | None:
        """The item `number` as in force on `on` (in the edition in force then), or None."""
        tariff = self.snapshot(numbers=[number], dates=[on]).tariff(on)
        return tariff.item(number, on)

    def tariff_snapshot(self, on: date) -> InMemoryTariff:
        """The whole edition in force on `on`, in memory (empty when none is)."""
        editions = self._editions_in_force([on])
        return InMemoryTariff(self._load_editions(editions, numbers=None)[0] if editions else None)

    def snapshot(
        self,
        *,
        numbers: Collection[str],
        dates: Collection[date],
        exchange: Collection[tuple[str, date]] = (),
    ) -> ReferenceSnapshot:
        """What one inbound file needs: the items `numbers` of every edition in force on one of `dates`,
        and the exchange rates of the (currency, date) pairs. What this process has read of the store
        before is taken from its `_Remembered` (reference data never changes once loaded), the rest is read
        in one query for all items and rates and one for the exchange rates."""
        remembered = _remembered(self._connection)
        editions = self._editions_in_force(dates)
        wanted = set(numbers)
        unread = {number for row in editions for number in remembered.unread(row, wanted)}
        if unread or not all(remembered.knows(row) for row in editions):
            for row, edition in zip(editions, self._load_editions(editions, numbers=unread), strict=True):
                remembered.keep_items(row, edition)
        return ReferenceSnapshot(
            editions=tuple(remembered.edition(row, wanted) for row in editions),
            exchange_rates=self._known_exchange_rates(remembered, exchange),
        )

    def _known_exchange_rates(
        self, remembered: _Remembered, pairs: Collection[tuple[str, date]]
    ) -> dict[tuple[str, date], Decimal]:
        known = {pair: remembered.rates[pair] for pair in pairs if pair in remembered.rates}
        unknown = [pair for pair in pairs if pair not in known]
        if unknown:
            found = self._exchange_rates(unknown)
            remembered.keep_rates(found)
            known.update(found)
        return known

    def _editions_in_force(self, dates: Iterable[date]) -> list[Row[Any]]:
        rows = list(self._connection.execute(select(tariff_edition)))
        by_sequence = {row.sequence: row for row in rows}
        headers = [_header(row) for row in rows]
        in_force = {edition_in_force(headers, on) for on in dates}
        return [by_sequence[edition.sequence] for edition in in_force if edition is not None]

    def _load_editions(
        self, editions: list[Row[Any]], *, numbers: Collection[str] | None
    ) -> list[TariffEdition]:
        if not editions:
            return []
        ids = [row.id for row in editions]
        treatments = self._treatments(ids)
        items = self._items(ids, numbers)
        return [
            _header(row, tuple(treatments.get(row.id, ())), tuple(items.get(row.id, ()))) for row in editions
        ]

    def _treatments(self, edition_ids: list[int]) -> dict[int, list[Treatment]]:
        query = select(tariff_treatment).where(tariff_treatment.c.edition_id.in_(edition_ids))
        found: dict[int, list[Treatment]] = {}
        for row in self._connection.execute(query.order_by(tariff_treatment.c.id)):
            treatment = Treatment(code=row.code, name=row.name, countries=frozenset(row.countries.split()))
            found.setdefault(row.edition_id, []).append(treatment)
        return found

    def _items(self, edition_ids: list[int], numbers: Collection[str] | None) -> dict[int, list[TariffItem]]:
        """The items of the editions (only `numbers` unless None) with their rates, in one query."""
        query = (
            select(tariff_item, *_RATE_COLUMNS)  # the rate columns last: read by position below
            .select_from(tariff_item.outerjoin(tariff_rate, tariff_rate.c.item_id == tariff_item.c.id))
            .where(tariff_item.c.edition_id.in_(edition_ids))
            .order_by(tariff_item.c.id, tariff_rate.c.id)
        )
        if numbers is not None:
            query = query.where(tariff_item.c.number.in_(sorted(set(numbers))))
        grouped: dict[int, tuple[Row[Any], list[Rate]]] = {}
        # Items share most of their rates (the fixture tariff has 7,360 rates, 118 of them distinct): each
        # distinct rate is built once. The rate columns are read by position, a fraction of the cost of a
        # look-up by label.
        distinct: dict[tuple[Any, ...], Rate] = {}
        for row in self._connection.execute(query):
            _, rates = grouped.setdefault(row.id, (row, []))
            if row.rate_treatment is not None:
                values = tuple(row[-len(_RATE_FIELDS) :])
                if values not in distinct:
                    distinct[values] = _rate(values)
                rates.append(distinct[values])
        found: dict[int, list[TariffItem]] = {}
        for row, rates in grouped.values():
            found.setdefault(row.edition_id, []).append(_item(row, rates))
        return found

    def _exchange_rates(self, pairs: Collection[tuple[str, date]]) -> dict[tuple[str, date], Decimal]:
        if not pairs:
            return {}
        query = select(exchange_rate).where(
            exchange_rate.c.currency.in_(sorted({currency for currency, _ in pairs})),
            exchange_rate.c.rate_date.in_(sorted({on for _, on in pairs})),
        )
        wanted = set(pairs)
        rows = self._connection.execute(query)
        return {
            (r.currency, r.rate_date): _plain(r.cad_per_unit)
            for r in rows
            if (r.currency, r.rate_date) in wanted
        }


class _Remembered:
    """The tariff items and exchange rates a process has read from one database.

    Loaded reference data never changes: an edition is written whole in one transaction and never updated
    (a new edition is a new row), and an exchange rate loaded again with another value is refused. So what
    was read once is served from memory afterwards, keyed by the edition row (id, name, sequence, source
    digest, load time) and by (currency, date); only what was found is kept, never an absence.
    """

    def __init__(self) -> None:
        self.items: dict[tuple[Any, ...], dict[str, TariffItem]] = {}
        self.treatments: dict[tuple[Any, ...], tuple[Treatment, ...]] = {}
        self.rates: dict[tuple[str, date], Decimal] = {}
        self.count = 0

    def knows(self, row: Row[Any]) -> bool:
        return _edition_key(row) in self.treatments

    def unread(self, row: Row[Any], numbers: set[str]) -> set[str]:
        """The numbers to read from the store for this edition (all of them the first time)."""
        key = _edition_key(row)
        return numbers - self.items[key].keys() if key in self.treatments else numbers

    def keep_items(self, row: Row[Any], edition: TariffEdition) -> None:
        if self.count > REMEMBERED_ITEMS:
            self.items.clear()
            self.treatments.clear()
            self.count = 0
        key = _edition_key(row)
        self.treatments[key] = edition.treatments
        self.items.setdefault(key, {}).update((item.number, item) for item in edition.items)
        self.count += len(edition.items)

    def keep_rates(self, rates: Mapping[tuple[str, date], Decimal]) -> None:
        self.rates.update(rates)

    def edition(self, row: Row[Any], numbers: set[str]) -> TariffEdition:
        key = _edition_key(row)
        items = self.items.get(key, {})
        found = tuple(items[number] for number in sorted(numbers) if number in items)
        return _header(row, self.treatments[key], found)


def _edition_key(row: Row[Any]) -> tuple[Any, ...]:
    return (row.id, row.edition, row.sequence, row.source_sha256, row.loaded_at)


_REMEMBERED: weakref.WeakKeyDictionary[Engine, _Remembered] = weakref.WeakKeyDictionary()


def _remembered(connection: Connection) -> _Remembered:
    engine = connection.engine
    if engine not in _REMEMBERED:
        _REMEMBERED[engine] = _Remembered()
    return _REMEMBERED[engine]


_RATE_FIELDS = ("treatment", "free", "ad_valorem", "specific", "minimum", "maximum", "effective", "expires")
_DECIMAL_FIELDS = ("ad_valorem", "specific", "minimum", "maximum")
_ITEM_FIELDS = ("number", "uom", "description", "effective", "expires")
_RATE_COLUMNS = tuple(tariff_rate.c[name].label(f"rate_{name}") for name in _RATE_FIELDS)


def _new_or_refuse(
    incoming: Mapping[_K, Decimal], loaded: Mapping[_K, Decimal], name: Callable[[_K], str]
) -> list[_K]:
    """The keys not loaded yet; RateConflict naming the first key loaded with a different value."""
    conflicts = [key for key in incoming if key in loaded and loaded[key] != incoming[key]]
    if conflicts:
        key = conflicts[0]
        others = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        raise RateConflict(
            f"The {name(key)} is already loaded as {_plain(loaded[key])}, not {incoming[key]}{others}; "
            "nothing was loaded."
        )
    return [key for key in incoming if key not in loaded]


def _plain(value: Decimal) -> Decimal:
    """A stored decimal without the column's trailing zeros (18.0000 -> 18, 0.033200 -> 0.0332)."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _optional(value: Decimal | None) -> Decimal | None:
    return None if value is None else _plain(value)


def _header(
    row: Row[Any], treatments: tuple[Treatment, ...] = (), items: tuple[TariffItem, ...] = ()
) -> TariffEdition:
    """The edition of a tariff_edition row, with the treatments and items given (none: just its header)."""
    names = {"edition": row.edition, "sequence": row.sequence, "effective": row.effective}
    return TariffEdition(**names, treatments=treatments, items=items)


def _treatment_row(edition_id: int, treatment: Treatment) -> dict[str, object]:
    countries = " ".join(sorted(treatment.countries))
    return {"edition_id": edition_id, "code": treatment.code, "name": treatment.name, "countries": countries}


def _item_row(edition_id: int, item: TariffItem) -> dict[str, object]:
    return {"edition_id": edition_id, **{name: getattr(item, name) for name in _ITEM_FIELDS}}


def _rate_row(item_id: int, rate: Rate) -> dict[str, object]:
    return {"item_id": item_id, **{name: getattr(rate, name) for name in _RATE_FIELDS}}


def _item(row: Row[Any], rates: list[Rate]) -> TariffItem:
    return TariffItem(**{name: row._mapping[name] for name in _ITEM_FIELDS}, rates=tuple(rates))


def _rate(columns: tuple[Any, ...]) -> Rate:
    """The rate of the values of a tariff_rate row, in `_RATE_FIELDS` order."""
    values = dict(zip(_RATE_FIELDS, columns, strict=True))
    values.update({name: _optional(values[name]) for name in _DECIMAL_FIELDS}, free=bool(values["free"]))
    return Rate(**values)
