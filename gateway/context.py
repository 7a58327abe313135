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
from types import MappingProxyType

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

# Status of a version the store records beyond the rules' TransactionStatus: an adjustment an officer
# refused (`carm-gateway adjustment reject`). It keeps its version number but stands for nothing.
REJECTED_ADJUSTMENT = "rejected"
POSTED = frozenset({TransactionStatus.ACCEPTED.value, TransactionStatus.CANCELLED.value})


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
    """The rules' view of a transaction: numbering counts every version, the rest follows the versions that
    still stand (a refused adjustment stands for nothing, and its content is never an exact repeat)."""
    standing = [v for v in versions if v.status != REJECTED_ADJUSTMENT] or versions
    latest = max(standing, key=lambda record: record.version)
    posted = [v for v in standing if v.status in POSTED] or [latest]
    return TransactionHistory(
        transaction_number=latest.transaction_number,
        importer=latest.importer_bn15,
        broker_sender=latest.broker_sender,
        status=TransactionStatus(latest.status),
        versions=tuple(
            AcceptedVersion(
                version=v.version, digest="" if v.status == REJECTED_ADJUSTMENT else v.content_sha256
            )
            for v in versions
        ),
        due_date=max(posted, key=lambda record: record.version).due_date,
        lines=tuple(
            PreviousLine(line_number=number, invoice_number=invoice, invoice_line=line)
            for number, invoice, line in latest.lines
        ),
    )


def with_accepted(
    context: ValidationContext, records: Histories, record: CadVersionRecord
) -> ValidationContext:
    """The context after `record` was accepted (records is updated in place)."""
    number = record.transaction_number
    records.setdefault(number, []).append(record)
    # One copy of the history, handed over read-only so that the context keeps it (and its importers) as is.
    history = MappingProxyType({**context.history, number: history_of(records[number])})
    return dataclasses.replace(context, history=history)


def previous_version(records: Histories, transaction_number: str, version: int) -> PreviousVersion | None:
    """What the last posted version before `version` stands for (None when there is none: an original)."""
    before = [r for r in records.get(transaction_number, []) if r.version < version and r.status in POSTED]
    if not before:
        return None
    latest = max(before, key=lambda record: record.version)
    return PreviousVersion(totals=totals_of(latest), due_date=latest.due_date)


def totals_of(record: CadVersionRecord) -> DutiesAndTaxes:
    return DutiesAndTaxes(
        duty_cents=record.duty_cents,
        gst_cents=record.gst_cents,
        excise_cents=record.excise_cents,
        sima_cents=record.sima_cents,
    )
