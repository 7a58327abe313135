"""One inbound file's way through the gateway (gateway layer): read, decide, apply — in one unit of work.

`process_file` is called by a worker inside the unit of work that claimed the file, and reads top to bottom:
gather the inputs (the stored bytes, the broker, the rules' context, today's date), call the pure core
(read the interchange, decide each CAD), then apply the outputs — post, record each accepted version, queue
CONTRL and CUSRES in the outbox, mark the file answered. The worker commits all of it at once, so a crash
at any point leaves the file either untouched and waiting, or answered and posted: never half of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.journal import EntryKind
from gateway.context import gather_context, previous_version, with_accepted
from gateway.decisions import Accepted, Decision, LatePenalty, decide
from ledger.cads import CadVersionRecord
from ledger.queue import ClaimedFile
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from mappers.interchange import InterchangeReading, read_interchange
from outbound.contrl import ContrlEnvelope, render_contrl
from outbound.cusres import CusresEnvelope, render_cusres
from validators.context import TransactionStatus

FileProcessor = Callable[[SqlAlchemyUnitOfWork, ClaimedFile], "ProcessedFile"]


REFERENCE_PREFIX = {"contrl": "C", "cusres": "R"}  # our UNB control references: C/R + the file id


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # every CAD accepted
    PARTIAL = "partial"  # some CADs accepted, some rejected
    REJECTED = "rejected"  # the interchange, or every CAD in it, rejected
    DUPLICATE = "duplicate"  # an interchange seen before (CONTRL 8/26), nothing processed again
    IGNORED = "ignored"  # a CONTRL sent to us: never answered


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessedFile:
    """What processing a file came to: its outcome, what was read and decided, and the responses queued."""

    outcome: Outcome
    reading: InterchangeReading
    decisions: tuple[Decision, ...] = ()
    responses: tuple[tuple[str, bytes], ...] = ()  # (kind, content) in the order queued


@dataclass(frozen=True, slots=True, kw_only=True)
class Moment:
    """When the file is processed: the instant (for DTM+148 and UNB) and the business date."""

    now: dt.datetime
    today: dt.date

    @classmethod
    def of(cls, clock: Clock, zone: ZoneInfo) -> Moment:
        return cls(now=clock.now().astimezone(zone), today=clock.today())


def process_file(
    uow: SqlAlchemyUnitOfWork, file: ClaimedFile, moment: Moment, late_penalty: LatePenalty | None = None
) -> ProcessedFile:
    """Process one claimed file; the caller commits (or, for `check`, rolls back)."""
    reading = read_interchange(file.raw, sender_id=file.sender_id)
    interchange = reading.interchange
    if interchange.is_contrl:
        return _finish(uow, file, ProcessedFile(outcome=Outcome.IGNORED, reading=reading))
    if interchange.accepted and not uow.queue.remember_interchange(
        sender_id=file.sender_id, control_reference=interchange.control_reference, file_id=file.id
    ):
        contrl = render_contrl(interchange, contrl_envelope(file, moment), duplicate=True)
        return _finish(
            uow,
            file,
            ProcessedFile(outcome=Outcome.DUPLICATE, reading=reading, responses=(("contrl", contrl),)),
        )
    decisions = tuple(decide_and_post(uow, file, reading, moment, late_penalty))
    responses = [("contrl", render_contrl(interchange, contrl_envelope(file, moment)))]
    if decisions:
        envelope = cusres_envelope(file, reading, moment)
        responses.append(("cusres", render_cusres([d.response for d in decisions], envelope)))
    result = ProcessedFile(
        outcome=outcome_of(reading, decisions),
        reading=reading,
        decisions=decisions,
        responses=tuple(responses),
    )
    return _finish(uow, file, result)


def decide_and_post(
    uow: SqlAlchemyUnitOfWork,
    file: ClaimedFile,
    reading: InterchangeReading,
    moment: Moment,
    late_penalty: LatePenalty | None = None,
) -> list[Decision]:
    """Decide every CAD in file order, then post the accepted ones (unless the interchange is a test)."""
    cads = [m.mapping.cad for m in reading.messages if m.mapping is not None and m.mapping.cad is not None]
    context, records = gather_context(uow, file, cads, moment.today)
    decisions: list[Decision] = []
    accepted: list[tuple[Accepted, CadVersionRecord]] = []
    for message in reading.messages:
        cad = message.mapping.cad if message.mapping is not None else None
        previous = previous_version(records, cad.transaction_number, cad.version) if cad else None
        decision = decide(message, context, previous, late_penalty)
        if decision is None:
            continue
        decisions.append(decision)
        if isinstance(decision, Accepted) and not decision.repeat and not reading.interchange.test_indicator:
            record = version_record(decision, file)
            accepted.append((decision, record))
            context = with_accepted(context, records, record)
    post(uow, file, accepted)
    return decisions


def post(
    uow: SqlAlchemyUnitOfWork, file: ClaimedFile, accepted: list[tuple[Accepted, CadVersionRecord]]
) -> None:
    """Post the entries of the accepted versions and record them, in file order, a few statements for the
    whole file; an adjustment waits for review, unposted (DOMAIN.md: "Correction vs adjustment";
    `carm-gateway adjustment approve` posts it)."""
    entries = [
        entry
        for decision, record in accepted
        if record.status != TransactionStatus.UNDER_REVIEW.value
        for entry in decision.entries
    ]
    uow.journal.post_all(entries)
    uow.cads.record_all([record for _, record in accepted], broker_id=file.broker_id, inbound_file_id=file.id)


def version_record(decision: Accepted, file: ClaimedFile) -> CadVersionRecord:
    cad, totals = decision.cad, decision.assessment.totals
    status = TransactionStatus.ACCEPTED
    if cad.is_cancellation:
        status = TransactionStatus.CANCELLED
    elif decision.kind is EntryKind.ADJUSTMENT:
        status = TransactionStatus.UNDER_REVIEW
    return CadVersionRecord(
        transaction_number=cad.transaction_number,
        version=cad.version,
        function=str(cad.function),
        importer_bn15=cad.importer,
        broker_sender=file.sender_id,
        status=str(status),
        release_date=cad.release_date,
        due_date=decision.assessment.due_date,
        content_sha256=decision.digest,
        duty_cents=totals.duty_cents,
        gst_cents=totals.gst_cents,
        excise_cents=totals.excise_cents,
        sima_cents=totals.sima_cents,
        lines=tuple((line.line_number, line.invoice_number, line.invoice_line) for line in cad.lines),
        message_reference=cad.message_reference,
    )


def outcome_of(reading: InterchangeReading, decisions: Sequence[Decision]) -> Outcome:
    accepted = sum(isinstance(d, Accepted) for d in decisions)
    if not reading.interchange.accepted or accepted == 0:
        return Outcome.REJECTED
    return Outcome.ACCEPTED if accepted == len(reading.messages) else Outcome.PARTIAL


def contrl_envelope(file: ClaimedFile, moment: Moment) -> ContrlEnvelope:
    return ContrlEnvelope(
        recipient=file.sender_id,
        control_reference=our_reference(REFERENCE_PREFIX["contrl"], file),
        prepared=moment.now,
        fallback_reference=f"F{file.id}",
    )


def cusres_envelope(file: ClaimedFile, reading: InterchangeReading, moment: Moment) -> CusresEnvelope:
    return CusresEnvelope(
        recipient=file.sender_id,
        control_reference=our_reference(REFERENCE_PREFIX["cusres"], file),
        prepared=moment.now,
        their_control_reference=reading.interchange.control_reference,
    )


def our_reference(kind: str, file: ClaimedFile) -> str:
    """Our interchange control reference (UNB 0020, an..14): deterministic per file and kind, so a replay
    writes the same names (MIG.md §5)."""
    return f"{kind}{file.id:013d}"


def _finish(uow: SqlAlchemyUnitOfWork, file: ClaimedFile, result: ProcessedFile) -> ProcessedFile:
    """Queue the responses in the broker's outbox and mark the file answered, in the caller's transaction."""
    for kind, content in result.responses:
        name = f"{kind}-{our_reference(REFERENCE_PREFIX[kind], file)}.edi"
        uow.files.send(
            broker_id=file.broker_id, name=name, kind=kind, content=content, inbound_file_id=file.id
        )
    interchange = result.reading.interchange
    accepted, rejected = cad_counts(result)
    uow.queue.finish(
        file.id,
        outcome=result.outcome.value,
        sender_id=interchange.sender_id or None,
        control_reference=interchange.control_reference[:14] or None,
        cads_accepted=accepted,
        cads_rejected=rejected,
    )
    return result


def cad_counts(result: ProcessedFile) -> tuple[int, int]:
    """How many CAD messages were accepted and rejected (none were processed in a duplicate or a CONTRL)."""
    if result.outcome in (Outcome.DUPLICATE, Outcome.IGNORED):
        return 0, 0
    accepted = sum(isinstance(decision, Accepted) for decision in result.decisions)
    return accepted, len(result.reading.interchange.messages) - accepted


def file_processor(clock: Clock, zone: ZoneInfo, late_penalty: LatePenalty | None = None) -> FileProcessor:
    """The workers' processor: `process_file` at the moment each file is claimed."""

    def process(uow: SqlAlchemyUnitOfWork, file: ClaimedFile) -> ProcessedFile:
        return process_file(uow, file, Moment.of(clock, zone), late_penalty)

    return process
