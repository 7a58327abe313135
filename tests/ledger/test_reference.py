"""Reference data in the store, on SQLite and PostgreSQL: editions in sequence, effective dates, idempotent
rates, and the per-file snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from domain.tariff import ExchangeRate, PrescribedRate, Rate, TariffEdition, TariffItem, Treatment
from gateway.bootstrap import System
from ledger.errors import EditionOutOfSequence, RateConflict
from ledger.reference import LoadCounts, ReferenceData
from parsers.rates_csv import parse_exchange_rates
from parsers.tariff_xml import parse_tariff
from tests.conftest import REPO

D = Decimal
FIXTURES = REPO / "fixtures" / "reference"
SHA = "0" * 64
TREATMENTS = (
    Treatment(code="2", name="MFN"),
    Treatment(code="10", name="UST", countries=frozenset({"US"})),
    Treatment(code="31", name="CEUT", countries=frozenset({"FR", "DE"})),
)
SHIRTS, CHEESE, WINE = "6109100011", "0406909900", "2204210000"


def tariff_item(number: str, *rates: Rate, effective: date, expires: date | None = None) -> TariffItem:
    uom = {SHIRTS: "NMB", CHEESE: "KGM", WINE: "LTR"}[number]
    return TariffItem(
        number=number,
        uom=uom,
        description=f"item {number}",
        effective=effective,
        expires=expires,
        rates=rates,
    )


def edition(name: str, sequence: int, effective: date, *items: TariffItem) -> TariffEdition:
    return TariffEdition(
        edition=name, sequence=sequence, effective=effective, treatments=TREATMENTS, items=items
    )


JANUARY, JULY = date(2026, 1, 1), date(2026, 7, 1)
FIRST = edition(
    "T2026",
    1,
    JANUARY,
    tariff_item(
        SHIRTS, Rate(treatment="2", ad_valorem=D("18")), Rate(treatment="10", free=True), effective=JANUARY
    ),
    tariff_item(
        CHEESE,
        Rate(treatment="2", ad_valorem=D("245.5"), minimum=D("4.52")),
        Rate(treatment="31", ad_valorem=D("5"), minimum=D("0.0474"), maximum=D("0.0948")),
        Rate(treatment="10", free=True, effective=date(2026, 3, 1)),  # a rate that starts later
        effective=JANUARY,
        expires=date(2026, 4, 1),  # an item that expires
    ),
)
SECOND = edition(
    "T2026-7",
    2,
    JULY,
    tariff_item(SHIRTS, Rate(treatment="2", ad_valorem=D("15")), effective=JANUARY),
    tariff_item(WINE, Rate(treatment="2", specific=D("0.0187")), effective=JULY),
)


def load(system: System, *editions: TariffEdition) -> None:
    with system.unit_of_work() as uow:
        for each in editions:
            ReferenceData(uow.connection, system.clock).load_tariff(each, SHA)
        uow.commit()


@contextmanager
def reference(system: System) -> Iterator[ReferenceData]:
    with system.unit_of_work() as uow:
        yield ReferenceData(uow.connection, system.clock)
        uow.commit()


def test_an_edition_is_read_back_exactly_as_it_was_loaded(system: System) -> None:
    load(system, FIRST)
    with reference(system) as data:
        assert data.tariff_snapshot(JANUARY).edition == FIRST
        assert data.tariff_snapshot(date(2025, 12, 31)).edition is None


def test_editions_load_in_sequence_and_a_gap_or_a_repeat_names_both_numbers(system: System) -> None:
    with pytest.raises(
        EditionOutOfSequence, match=r"sequence 2, which leaves a gap: .* must be sequence 1 \(none"
    ):
        load(system, SECOND)
    load(system, FIRST)
    gap = edition("T2027", 3, date(2027, 1, 1))
    with pytest.raises(
        EditionOutOfSequence, match=r"sequence 3, which leaves a gap: .*sequence 2 \(the last .* 1\)"
    ):
        load(system, gap)
    repeat = edition("T2026-bis", 1, JANUARY)
    with pytest.raises(
        EditionOutOfSequence, match=r"sequence 1, which is already loaded: .* must be sequence 2"
    ):
        load(system, repeat)
    with pytest.raises(EditionOutOfSequence, match="T2026 is already loaded as sequence 1"):
        load(system, edition("T2026", 2, JULY))
    load(system, SECOND)


def test_a_load_that_is_not_committed_leaves_nothing_behind(system: System) -> None:
    with system.unit_of_work() as uow:
        ReferenceData(uow.connection, system.clock).load_tariff(FIRST, SHA)  # no commit: rolled back
    with reference(system) as data:
        assert data.tariff_snapshot(JANUARY).edition is None
    load(system, FIRST)  # still the first in sequence


def test_the_edition_in_force_on_a_date_is_the_latest_effective_on_or_before_it(system: System) -> None:
    load(system, FIRST, SECOND)
    with reference(system) as data:
        assert data.tariff_item(SHIRTS, date(2025, 12, 31)) is None
        june = data.tariff_item(SHIRTS, date(2026, 6, 30))
        july = data.tariff_item(SHIRTS, JULY)
        assert june is not None and june.rate_for("2", date(2026, 6, 30)) == Rate(
            treatment="2", ad_valorem=D("18")
        )
        assert july is not None and july.rate_for("2", JULY) == Rate(treatment="2", ad_valorem=D("15"))
        assert data.tariff_item(WINE, date(2026, 6, 30)) is None
        assert data.tariff_item(CHEESE, JULY) is None  # not in the edition in force in July


def test_an_item_that_expires_and_a_rate_that_starts_later_are_honoured(system: System) -> None:
    load(system, FIRST)
    with reference(system) as data:
        february, march = (
            data.tariff_item(CHEESE, date(2026, 2, 28)),
            data.tariff_item(CHEESE, date(2026, 3, 31)),
        )
        assert data.tariff_item(CHEESE, date(2026, 4, 1)) is None
    assert february is not None and february.rate_for("10", date(2026, 2, 28)) is None
    assert march is not None and march.rate_for("10", date(2026, 3, 31)) == Rate(
        treatment="10", free=True, effective=date(2026, 3, 1)
    )
    assert march.rate_for("31", date(2026, 3, 31)) == Rate(
        treatment="31", ad_valorem=D("5"), minimum=D("0.0474"), maximum=D("0.0948")
    )


def test_a_snapshot_loads_only_what_one_file_needs_in_four_queries(system: System) -> None:
    load(system, FIRST, SECOND)
    with reference(system) as data:
        data.load_exchange_rates(
            [ExchangeRate(rate_date=date(2026, 2, 2), currency="USD", cad_per_unit=D("1.4"))]
        )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(system.engine, "before_cursor_execute", count)
    try:
        with reference(system) as data:
            snapshot = data.snapshot(
                numbers=[SHIRTS],
                dates=[date(2026, 2, 2), JULY],
                exchange=[("USD", date(2026, 2, 2)), ("EUR", JULY)],
            )
    finally:
        event.remove(system.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 4
    assert [(e.edition, [i.number for i in e.items]) for e in snapshot.editions] in (
        [("T2026", [SHIRTS]), ("T2026-7", [SHIRTS])],
        [("T2026-7", [SHIRTS]), ("T2026", [SHIRTS])],
    )
    assert snapshot.tariff(date(2026, 2, 2)).item(CHEESE, date(2026, 2, 2)) is None  # not asked for
    assert snapshot.exchange_rates == {("USD", date(2026, 2, 2)): D("1.4")}


def test_exchange_rates_load_once_and_loading_them_again_changes_nothing(system: System) -> None:
    rates = parse_exchange_rates((FIXTURES / "exchange-rates-2025.csv").read_bytes())
    with reference(system) as data:
        assert data.load_exchange_rates(rates) == LoadCounts(new=1488, unchanged=0)
    with reference(system) as data:
        assert data.load_exchange_rates(rates) == LoadCounts(new=0, unchanged=1488)
        assert data.exchange_rate("JPY", date(2025, 1, 2)) == D("0.009160")
        assert data.exchange_rate("USD", date(2025, 1, 2)) == D("1.4418")


def test_an_exchange_rate_is_read_for_its_exact_date_only(system: System) -> None:
    with reference(system) as data:
        data.load_exchange_rates(parse_exchange_rates((FIXTURES / "exchange-rates-2025.csv").read_bytes()))
    with reference(system) as data:
        assert data.exchange_rate("USD", date(2025, 1, 3)) is not None
        assert data.exchange_rate("USD", date(2025, 1, 4)) is None  # a Saturday: no rate, and none guessed
        assert data.exchange_rate("CHF", date(2025, 1, 3)) is None


def test_a_rate_loaded_with_a_different_value_refuses_the_whole_file(system: System) -> None:
    day = date(2025, 1, 2)
    with reference(system) as data:
        data.load_exchange_rates([ExchangeRate(rate_date=day, currency="USD", cad_per_unit=D("1.4418"))])
    changed = [
        ExchangeRate(rate_date=day, currency="EUR", cad_per_unit=D("1.4816")),
        ExchangeRate(rate_date=day, currency="USD", cad_per_unit=D("1.4419")),
    ]
    already = r"exchange rate of USD on 2025-01-02 is already loaded as 1\.4418, not 1\.4419"
    with pytest.raises(RateConflict, match=already), reference(system) as data:
        data.load_exchange_rates(changed)
    with reference(system) as data:
        assert data.exchange_rate("EUR", day) is None  # nothing of the refused file was loaded


def test_prescribed_rates_are_idempotent_per_quarter_and_read_for_any_day_of_it(system: System) -> None:
    quarters = [
        PrescribedRate(quarter_start=date(2025, 4, 1), percent=D("4")),
        PrescribedRate(quarter_start=date(2025, 7, 1), percent=D("3")),
    ]
    with reference(system) as data:
        assert data.load_interest_rates(quarters) == LoadCounts(new=2, unchanged=0)
    with reference(system) as data:
        assert data.load_interest_rates(quarters[:1]) == LoadCounts(new=0, unchanged=1)
        assert data.prescribed_rate(date(2025, 6, 30)) == D("4")
        assert data.prescribed_rate(date(2025, 9, 30)) == D("3")
        assert data.prescribed_rate(date(2025, 10, 1)) is None
    already = r"quarter starting 2025-07-01 is already loaded as 3, not 3\.5"
    with pytest.raises(RateConflict, match=already), reference(system) as data:
        data.load_interest_rates([PrescribedRate(quarter_start=date(2025, 7, 1), percent=D("3.5"))])


def test_the_whole_fixture_tariff_is_read_back_from_the_store_unchanged(system: System) -> None:
    fixture = parse_tariff((FIXTURES / "tariff-T2026-2.xml").read_bytes())
    load(system, fixture)
    with reference(system) as data:
        assert data.tariff_snapshot(date(2026, 9, 1)).edition == fixture
        item = data.tariff_item("0207279100", date(2026, 9, 1))
    assert item is not None and item.rates[0] == Rate(
        treatment="2", ad_valorem=D("5"), minimum=D("0.0474"), maximum=D("0.0948")
    )
    assert [str(part) for part in (item.rates[0].ad_valorem, item.rates[0].minimum)] == ["5", "0.0474"]
