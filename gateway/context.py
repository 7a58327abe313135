"""Gathering what the business rules need for one inbound file (gateway layer, the shell's read side).

A bounded number of queries per file, whatever its size (validators/context.py lists them): the importers
the file names and who may file for them, the history of its transaction numbers, and the reference data
of its lines. The result is frozen; the pipeline updates its own copy of the history as it accepts CADs, so
a file may carry a CAD and its correction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from domain.assessment import DutiesAndTaxes
from domain.cad import Cad
from domain.postings import PreviousVersion
from ledger.cads import CadVersionRecord
from ledger.queue import ClaimedFile
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from validators.context import (
    AcceptedVersion,
    ImporterFacts,
    PreviousLine,
    TransactionHistory,
    TransactionStatus,
    ValidationContext,
    needed_for,
)

Histories = dict[str, list[CadVersionRecord]]


def gather_context(
    uow: SqlAlchemyUnitOfWork, file: ClaimedFile, cads: Iterable[Cad], today: dt.date
) -> tuple[ValidationContext, Histories]:
    """The frozen context of the rules, and the accepted versions behind its history."""
    keys = needed_for(cads)
    filers = uow.parties.filers_of(keys.importers)
    records = uow.cads.histories(keys.transaction_numbers)
    snapshot = uow.reference.snapshot(
        numbers=keys.classifications, dates=keys.release_dates, exchange=keys.exchange_rates
    )
    context = ValidationContext(
        today=today,
        sender_id=file.sender_id,
        broker_bn15=file.broker_bn15,
        snapshot=snapshot,
        importers={bn15: ImporterFacts(may_file_by=senders) for bn15, senders in filers.items()},
        history=histories_of(records),
    )
    return context, records


def histories_of(records: Histories) -> dict[str, TransactionHistory]:
    return {number: history_of(versions) for number, versions in records.items() if versions}


def history_of(versions: list[CadVersionRecord]) -> TransactionHistory:
    latest = max(versions, key=lambda record: record.version)
    return TransactionHistory(
        transaction_number=latest.transaction_number,
        importer=latest.importer_bn15,
        broker_sender=latest.broker_sender,
        status=TransactionStatus(latest.status),
        versions=tuple(AcceptedVersion(version=v.version, digest=v.content_sha256) for v in versions),
        due_date=latest.due_date,
        lines=tuple(
            PreviousLine(line_number=n, invoice_number=i, invoice_line=k) for n, i, k in latest.lines
        ),
    )


def with_accepted(
    context: ValidationContext, records: Histories, record: CadVersionRecord
) -> ValidationContext:
    """The context after `record` was accepted (records is updated in place)."""
    records.setdefault(record.transaction_number, []).append(record)
    history = dict(context.history)
    history[record.transaction_number] = history_of(records[record.transaction_number])
    return dataclasses.replace(context, history=history)


def previous_version(records: Histories, cad: Cad) -> PreviousVersion | None:
    """What the version before `cad` stands for (None for an original or when there is none)."""
    before = [r for r in records.get(cad.transaction_number, []) if r.version < cad.version]
    if not before:
        return None
    latest = max(before, key=lambda record: record.version)
    totals = DutiesAndTaxes(
        duty_cents=latest.duty_cents,
        gst_cents=latest.gst_cents,
        excise_cents=latest.excise_cents,
        sima_cents=latest.sima_cents,
    )
    return PreviousVersion(totals=totals, due_date=latest.due_date)
