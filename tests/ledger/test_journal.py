"""The journal: double entry, idempotency, append-only on both stores, and `verify`."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError

from domain.journal import EntryKind, JournalEntry, JournalLine
from gateway.bootstrap import System
from ledger.errors import AppendOnlyViolation, IdempotencyConflict, UnbalancedEntry
from ledger.journal import PostOutcome
from ledger.schema import journal_entry, journal_line
from tests.builders import IMPORTER, assessment, payment, tamper_with_a_line


def post(system: System, *entries: JournalEntry) -> list[PostOutcome]:
    with system.unit_of_work() as uow:
        outcomes = [uow.journal.post(entry) for entry in entries]
        uow.commit()
    return outcomes


def test_a_balanced_entry_is_posted_and_moves_the_balance(system: System) -> None:
    assert post(system, assessment("T1:1", 195000, 159750)) == [PostOutcome.POSTED]
    with system.unit_of_work() as uow:
        balance = uow.journal.balance(IMPORTER)
    assert balance.balance_cents == 354750
    assert [(item.due_date, item.amount_cents) for item in balance.due] == [(dt.date(2026, 12, 14), 354750)]


def test_the_same_key_with_the_same_content_is_a_no_op(system: System) -> None:
    post(system, assessment("T1:1", 100, 5))
    assert post(system, assessment("T1:1", 100, 5)) == [PostOutcome.ALREADY_POSTED]
    with system.unit_of_work() as uow:
        assert uow.journal.count() == 1


def test_the_same_key_with_other_content_is_refused(system: System) -> None:
    post(system, assessment("T1:1", 100, 5))
    with pytest.raises(IdempotencyConflict), system.unit_of_work() as uow:
        uow.journal.post(assessment("T1:1", 101, 5))


def test_an_unbalanced_entry_is_refused(system: System) -> None:
    entry = JournalEntry(
        account=IMPORTER,
        idempotency_key="bad",
        kind=EntryKind.ASSESSMENT,
        business_date=dt.date(2026, 11, 20),
        lines=(JournalLine(ledger_account="CASH", debit_cents=5),),
    )
    with pytest.raises(UnbalancedEntry), system.unit_of_work() as uow:
        uow.journal.post(entry)


def test_payments_clear_the_oldest_due_debt_first(system: System) -> None:
    post(
        system,
        assessment("T1:1", 1000, 50, due=dt.date(2026, 12, 14)),
        assessment("T2:1", 2000, 100, due=dt.date(2026, 11, 30)),
        payment("P1", 2500),
    )
    with system.unit_of_work() as uow:
        balance = uow.journal.balance(IMPORTER)
    assert balance.balance_cents == 650
    assert [(item.due_date, item.amount_cents) for item in balance.due] == [(dt.date(2026, 12, 14), 650)]


def test_the_repository_refuses_to_update_the_journal(system: System) -> None:
    post(system, assessment("T1:1", 100, 5))
    with pytest.raises(AppendOnlyViolation), system.unit_of_work() as uow:
        uow.connection.execute(update(journal_line).values(debit_cents=1))


@pytest.mark.parametrize(
    "statement", ["UPDATE journal_line SET debit_cents = 1", "DELETE FROM journal_entry"]
)
def test_the_database_refuses_raw_changes_to_the_journal(system: System, statement: str) -> None:
    post(system, assessment("T1:1", 100, 5))
    with pytest.raises(DatabaseError, match="append-only"), system.unit_of_work() as uow:
        uow.connection.execute(text(statement))


def test_verify_passes_on_an_untouched_journal(system: System) -> None:
    post(system, assessment("T1:1", 100, 5), assessment("T2:1", 200, 10), payment("P1", 50))
    with system.unit_of_work() as uow:
        assert uow.journal.verify() is None


def test_verify_names_the_entry_whose_line_was_altered_by_hand(system: System) -> None:
    post(system, assessment("T1:1", 100, 5), assessment("T2:1", 200, 10))
    entry_id = tamper_with_a_line(system, "T2:1")
    with system.unit_of_work() as uow:
        broken = uow.journal.verify()
    assert broken is not None
    assert broken.entry_id == entry_id
    assert "altered" in broken.reason


def test_the_journal_can_be_verified_and_then_written_in_one_unit_of_work(system: System) -> None:
    with system.unit_of_work() as uow:
        uow.journal.post(assessment("T1:1", 100, 5))
        assert uow.journal.verify() is None
        uow.journal.post(assessment("T2:1", 100, 5))
        uow.commit()


def test_a_batch_of_entries_is_chained_per_account_in_order_each_with_its_own_lines(system: System) -> None:
    other = "987654321RM0001"
    entries = [
        assessment("T1:1", 100, 5),
        dataclasses.replace(assessment("T2:1", 200, 10), account=other, description="tab\there\nand \\N"),
        payment("P1", 50),
        assessment("T1:1", 100, 5),  # a repeat inside the batch: posted once
    ]
    with system.unit_of_work() as uow:
        outcomes = uow.journal.post_all(entries)
        uow.commit()
    assert outcomes == [PostOutcome.POSTED] * 3 + [PostOutcome.ALREADY_POSTED]
    query = (
        select(journal_entry.c.idempotency_key, journal_entry.c.account, journal_entry.c.seq, journal_line)
        .join(journal_line, journal_line.c.entry_id == journal_entry.c.id)
        .order_by(journal_entry.c.id, journal_line.c.line_no)
    )
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(query).all()
        assert uow.journal.verify() is None  # the hashes match the stored text, tab and newline included
    chained = {(row.idempotency_key, row.account, row.seq) for row in rows}
    assert chained == {("T1:1", IMPORTER, 1), ("T2:1", other, 1), ("P1", IMPORTER, 2)}
    assert [(row.idempotency_key, row.line_no, row.debit_cents, row.credit_cents) for row in rows] == [
        (entry.idempotency_key, number, line.debit_cents, line.credit_cents)
        for entry in entries[:3]
        for number, line in enumerate(entry.lines, start=1)
    ]
