"""Postings: what each CAD version posts, under which kind and key, always balanced."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.assessment import AssessedLine, Assessment, DutiesAndTaxes
from domain.cad import CadFunction
from domain.journal import EntryKind, JournalEntry, JournalLine
from domain.postings import difference, idempotency_key, journal_entries_for, journal_lines, posting_kind
from domain.tariff import Rate

IMPORTER = "123456782RM0001"
AR = f"AR:{IMPORTER}"
NUMBER = "10207003502332"
RELEASED = date(2024, 11, 5)
DUE = date(2024, 11, 29)


def assessed(
    duty: int,
    gst: int,
    excise: int = 0,
    sima: int = 0,
    *,
    version: int = 1,
    function: CadFunction | None = None,
) -> Assessment:
    """An assessment of one line with these amounts in cents."""
    amounts = DutiesAndTaxes(duty_cents=duty, gst_cents=gst, excise_cents=excise, sima_cents=sima)
    line = AssessedLine(
        line_number=1,
        classification="1901903100",
        tariff_treatment="2",
        rate=Rate(treatment="2", ad_valorem=Decimal("6.5")),
        currency="CAD",
        exchange_rate=Decimal(1),
        value_for_duty_cents=3_000_000,
        value_for_tax_cents=3_000_000 + duty + excise + sima,
        gst_percent=Decimal(5),
        amounts=amounts,
    )
    function = function or (CadFunction.ORIGINAL if version == 1 else CadFunction.REPLACE)
    return Assessment(
        transaction_number=NUMBER,
        version=version,
        function=function,
        importer=IMPORTER,
        release_date=RELEASED,
        due_date=DUE,
        lines=() if function is CadFunction.CANCEL else (line,),
    )


def cancellation(version: int) -> Assessment:
    return assessed(0, 0, version=version, function=CadFunction.CANCEL)


def sides(entry: JournalEntry) -> dict[str, int]:
    """Each ledger account's debit minus credit in the entry."""
    return {line.ledger_account: line.debit_cents - line.credit_cents for line in entry.lines}


def test_the_original_posts_its_whole_assessment_as_an_assessment() -> None:
    (entry,) = journal_entries_for(assessed(195_000, 159_750), previous=None, business_date=RELEASED)
    assert entry.kind is EntryKind.ASSESSMENT
    assert (entry.account, entry.idempotency_key, entry.due_date) == (IMPORTER, f"cad:{NUMBER}:1", DUE)
    assert entry.lines == (
        JournalLine(ledger_account=AR, debit_cents=354_750),
        JournalLine(ledger_account="REVENUE:DUTY", credit_cents=195_000),
        JournalLine(ledger_account="REVENUE:GST", credit_cents=159_750),
    )
    assert entry.is_balanced


def test_a_correction_before_the_due_date_posts_only_the_difference() -> None:
    first, second = assessed(195_000, 159_750), assessed(208_000, 170_400, version=2)
    (entry,) = journal_entries_for(second, previous=first, business_date=date(2024, 11, 28))
    assert entry.kind is EntryKind.CORRECTION
    assert entry.idempotency_key == f"cad:{NUMBER}:2"
    assert sides(entry) == {AR: 23_650, "REVENUE:DUTY": -13_000, "REVENUE:GST": -10_650}


def test_a_replace_on_or_after_the_due_date_is_an_adjustment() -> None:
    first, second = assessed(195_000, 159_750), assessed(208_000, 170_400, version=2)
    assert posting_kind(second, previous=first, business_date=DUE) is EntryKind.ADJUSTMENT
    assert posting_kind(second, previous=first, business_date=date(2025, 1, 6)) is EntryKind.ADJUSTMENT


def test_a_lower_assessment_posts_a_refund_with_the_sides_swapped() -> None:
    first, second = assessed(195_000, 159_750), assessed(190_000, 159_500, version=2)
    assert difference(first, second) == DutiesAndTaxes(duty_cents=-5_000, gst_cents=-250)
    (entry,) = journal_entries_for(second, previous=first, business_date=date(2024, 11, 20))
    assert entry.lines == (
        JournalLine(ledger_account=AR, credit_cents=5_250),
        JournalLine(ledger_account="REVENUE:DUTY", debit_cents=5_000),
        JournalLine(ledger_account="REVENUE:GST", debit_cents=250),
    )


def test_a_shift_between_kinds_that_nets_to_nothing_posts_no_receivable_line() -> None:
    first, second = assessed(1_000, 500), assessed(1_200, 300, version=2)
    (entry,) = journal_entries_for(second, previous=first, business_date=date(2024, 11, 20))
    assert sides(entry) == {"REVENUE:DUTY": -200, "REVENUE:GST": 200}
    assert entry.is_balanced


def test_a_replace_that_changes_nothing_posts_nothing() -> None:
    first, second = assessed(195_000, 159_750), assessed(195_000, 159_750, version=2)
    assert journal_entries_for(second, previous=first, business_date=date(2024, 11, 20)) == ()


def test_a_cancellation_brings_the_cads_net_to_zero() -> None:
    versions = [assessed(195_000, 159_750, 700, 12_500), assessed(208_000, 170_400, 700, version=2)]
    versions.append(cancellation(3))
    entries = [
        entry
        for previous, current in zip([None, *versions], versions, strict=False)
        for entry in journal_entries_for(current, previous=previous, business_date=date(2024, 12, 2))
    ]
    assert [entry.kind for entry in entries] == [
        EntryKind.ASSESSMENT,
        EntryKind.ADJUSTMENT,
        EntryKind.CANCELLATION,
    ]
    net: Counter[str] = Counter()
    for entry in entries:
        net.update(sides(entry))
    assert set(net.values()) == {0}
    assert {"REVENUE:EXCISE", "REVENUE:SIMA"} <= set(net)


def test_a_replace_or_cancel_without_the_version_it_follows_is_refused() -> None:
    with pytest.raises(ValueError, match="needs the version it follows"):
        journal_entries_for(cancellation(2), previous=None, business_date=RELEASED)


def test_the_idempotency_key_names_the_transaction_and_version() -> None:
    assert idempotency_key(NUMBER, 12) == "cad:10207003502332:12"


amounts = st.builds(
    DutiesAndTaxes,
    duty_cents=st.integers(min_value=0, max_value=10**12),
    gst_cents=st.integers(min_value=0, max_value=10**12),
    excise_cents=st.integers(min_value=0, max_value=10**12),
    sima_cents=st.integers(min_value=0, max_value=10**12),
)


@given(amounts, amounts, st.sampled_from(list(CadFunction)), st.dates())
def test_every_entry_is_balanced_and_posts_exactly_the_difference(
    before: DutiesAndTaxes, after: DutiesAndTaxes, function: CadFunction, business_date: date
) -> None:
    previous = None if function is CadFunction.ORIGINAL else assessed(*before.by_kind())
    current = assessed(*after.by_kind(), version=1 if previous is None else 2, function=function)
    entries = journal_entries_for(current, previous=previous, business_date=business_date)
    change = difference(previous, current)
    assert len(entries) == (0 if change == DutiesAndTaxes() else 1)
    for entry in entries:
        assert entry.is_balanced
        assert all(line.debit_cents or line.credit_cents for line in entry.lines)
        assert sides(entry).get(AR, 0) == change.total_cents


@given(amounts.map(lambda a: a - DutiesAndTaxes(duty_cents=10**11, sima_cents=10**11)))
def test_journal_lines_balance_whatever_the_signs(change: DutiesAndTaxes) -> None:
    lines = journal_lines(IMPORTER, change)
    assert sum(line.debit_cents for line in lines) == sum(line.credit_cents for line in lines)
