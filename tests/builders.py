"""Builders of test values shared by several test modules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account
from gateway.bootstrap import System

IMPORTER = "123456782RM0001"


def assessment(key: str, duty: int, gst: int, due: dt.date | None = dt.date(2026, 12, 14)) -> JournalEntry:
    return JournalEntry(
        account=IMPORTER,
        idempotency_key=key,
        kind=EntryKind.ASSESSMENT,
        business_date=dt.date(2026, 11, 20),
        due_date=due,
        reference=key,
        lines=(
            JournalLine(ledger_account=receivable_account(IMPORTER), debit_cents=duty + gst),
            JournalLine(ledger_account="REVENUE:DUTY", credit_cents=duty),
            JournalLine(ledger_account="REVENUE:GST", credit_cents=gst),
        ),
    )


def payment(key: str, cents: int) -> JournalEntry:
    return JournalEntry(
        account=IMPORTER,
        idempotency_key=key,
        kind=EntryKind.PAYMENT,
        business_date=dt.date(2026, 11, 21),
        lines=(
            JournalLine(ledger_account="CASH", debit_cents=cents),
            JournalLine(ledger_account=receivable_account(IMPORTER), credit_cents=cents),
        ),
    )


def drop_append_only_triggers(system: System) -> None:
    """What an attacker with database rights would do before editing the journal by hand."""
    with system.unit_of_work() as uow:
        if system.engine.dialect.name == "postgresql":
            uow.connection.execute(text("DROP TRIGGER journal_line_append_only ON journal_line"))
        else:
            uow.connection.execute(text("DROP TRIGGER journal_line_no_update"))
        uow.commit()


def tamper_with_a_line(system: System, entry_key: str) -> int:
    drop_append_only_triggers(system)
    with system.unit_of_work() as uow:
        entry_id = uow.connection.execute(
            text("SELECT id FROM journal_entry WHERE idempotency_key = :key"), {"key": entry_key}
        ).scalar_one()
        uow.connection.execute(
            text(
                "UPDATE journal_line SET credit_cents = credit_cents + 1 WHERE entry_id = :id AND line_no = 2"
            ),
            {"id": entry_id},
        )
        uow.connection.execute(
            text(
                "UPDATE journal_line SET debit_cents = debit_cents + 1 WHERE entry_id = :id AND line_no = 1"
            ),
            {"id": entry_id},
        )
        uow.commit()
    return int(entry_id)
