"""`carm-gateway status`, `queue list|show|retry|replay` and `outbox resend`: the operator's view of the
file queue and the outbox, and the three things an operator may do to them (gateway layer).

Every command reads or changes the database in one unit of work (`ledger.operations`), prints a fixed-width
text for the terminal or, with `--json`, a document for scripts, and refuses an unknown or unsuitable id with
one sentence on stderr and exit 1. Why a file was rejected is read back from the CONTRL and CUSRES it was
answered with (`gateway.responses`): what the broker was sent is the one source of truth.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from gateway.bootstrap import System
from gateway.commands.tables import duration, instant, iso, size, table
from gateway.pipeline import Outcome
from gateway.responses import ResponseReading, read_response
from gateway.status import gather_status
from ledger.files import FileStatus
from ledger.operations import FileDetail, FileSummary, Operations, OutboundRecord
from ledger.unit_of_work import SqlAlchemyUnitOfWork

STATES = [status.value.lower() for status in FileStatus]


def _system(ctx: click.Context) -> System:
    system = ctx.find_object(System)
    assert system is not None, "the command runs under carm-gateway, which sets up the system"
    return system


def _fail(sentence: str) -> click.ClickException:
    """One sentence on stderr, exit 1."""
    return click.ClickException(sentence)


@contextmanager
def _operations(ctx: click.Context) -> Iterator[tuple[SqlAlchemyUnitOfWork, Operations]]:
    """A unit of work of the command's system and the operations repository inside it."""
    system = _system(ctx)
    with system.unit_of_work() as uow:
        yield uow, Operations(uow.connection, system.clock)


def _inbound(operations: Operations, file_id: int) -> FileDetail:
    detail = operations.file(file_id)
    if detail is None:
        raise _fail(f"There is no inbound file {file_id}.")
    return detail


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status document (keys: gateway/status.py).")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Queue depths, the oldest waiting file, the last 24 hours, batches, database and SFTP health."""
    document = gather_status(_system(ctx))
    click.echo(json.dumps(document, indent=2) if as_json else status_text(document))


def status_text(document: dict[str, Any]) -> str:
    """The status document as a terminal summary."""
    database, sftp, queue = document["database"], document["sftp"], document["queue"]
    lines = [f"carm-gateway {document['status']} at {_local(document['generated_at'])} UTC"]
    lines.append(f"database  {database['status']} ({database['backend']}{_latency(database)})")
    address = f"{sftp['host']}:{sftp['port']}"
    lines.append(f"sftp      {sftp['status']} {address} {sftp['banner'] or sftp['error'] or ''}".rstrip())
    if queue is None:
        return "\n".join([*lines, "queue     unknown (the database is down)"])
    lines.append("queue     " + "  ".join(f"{state} {queue[state]}" for state in [*STATES, "waiting"]))
    oldest = document["oldest_waiting"]
    if oldest is not None:
        lines.append(
            f"oldest    file {oldest['id']} from {oldest['broker']} ({oldest['filename']}), "
            f"waiting {duration(oldest['age_seconds'])}"
        )
    totals = document["throughput"]["totals"]
    lines.append(
        f"last 24 h files accepted {totals['files_accepted']}, rejected {totals['files_rejected']}; "
        f"CADs accepted {totals['cads_accepted']}, rejected {totals['cads_rejected']}"
    )
    rows = [_batch_row(batch) for batch in document["batches"]]
    lines.append(table(["batch", "last run", "for", "took", "next run", "for"], rows, indent="  "))
    return "\n".join(lines)


def _local(moment: str | None) -> str | None:
    """An ISO instant of the document as the terminal shows instants."""
    return None if moment is None else instant(dt.datetime.fromisoformat(moment))


def _latency(probe: dict[str, Any]) -> str:
    return "" if probe["latency_ms"] is None else f", {probe['latency_ms']:.1f} ms"


def _batch_row(batch: dict[str, Any]) -> list[object]:
    last, upcoming = batch["last_run"] or {}, batch["next_run"] or {}
    took = last.get("duration_seconds")
    return [
        batch["job"],
        last.get("status", "never"),
        last.get("business_date"),
        None if took is None else duration(took),
        _local(upcoming.get("due_at")),
        upcoming.get("business_date"),
    ]


@click.group()
def queue() -> None:
    """Inbound files: list, show, retry, replay."""


@queue.command("list")
@click.option("--state", type=click.Choice(STATES, case_sensitive=False), help="Only files in this state.")
@click.option("--broker", "sender_id", help="Only files from this broker (its sender id).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def queue_list(
    ctx: click.Context, state: str | None, sender_id: str | None, limit: int, as_json: bool
) -> None:
    """The latest inbound files, newest first."""
    with _operations(ctx) as (_, operations):
        files = operations.files(status=state.upper() if state else None, sender_id=sender_id, limit=limit)
    if as_json:
        click.echo(json.dumps([_summary_document(file) for file in files], indent=2))
        return
    headers = ["id", "broker", "filename", "size", "status", "outcome", "attempts", "received", "processed"]
    click.echo(table(headers, [_summary_row(file) for file in files]))


def _summary_row(file: FileSummary) -> list[object]:
    return [
        file.id,
        file.sender_id,
        file.filename,
        size(file.size),
        file.status,
        file.outcome,
        file.attempts,
        instant(file.received_at),
        instant(file.processed_at),
    ]


def _summary_document(file: FileSummary) -> dict[str, Any]:
    return {
        "id": file.id,
        "broker": file.sender_id,
        "filename": file.filename,
        "size": file.size,
        "status": file.status,
        "outcome": file.outcome,
        "attempts": file.attempts,
        "received_at": iso(file.received_at),
        "processed_at": iso(file.processed_at),
    }


@queue.command("show", short_help="A file's history, its responses and why it was rejected.")
@click.argument("file_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def queue_show(ctx: click.Context, file_id: int, as_json: bool) -> None:
    """File FILE_ID's history, the responses it was answered with (outbound ids), and why it was rejected:
    the CONTRL syntax codes and the CUSRES findings (code, text, where), read back from those responses."""
    with _operations(ctx) as (_, operations):
        detail = _inbound(operations, file_id)
        responses = operations.responses(file_id)
        raw = operations.raw(file_id)
    readings = [read_response(r.kind, r.content, inbound=raw) for r in responses]
    if as_json:
        click.echo(json.dumps(file_document(detail, responses, readings), indent=2))
    else:
        click.echo(file_text(detail, responses, readings))


def file_document(
    detail: FileDetail, responses: list[OutboundRecord], readings: list[ResponseReading]
) -> dict[str, Any]:
    """`queue show --json`: the file, and each response with what it said."""
    return {
        **_summary_document(detail.summary),
        "sha256": detail.sha256,
        "interchange_sender": detail.interchange_sender,
        "control_reference": detail.control_reference,
        "claimed_at": iso(detail.claimed_at),
        "claimed_by": detail.claimed_by,
        "next_attempt_at": iso(detail.next_attempt_at),
        "last_error": detail.last_error,
        "cads_accepted": detail.cads_accepted,
        "cads_rejected": detail.cads_rejected,
        "replay_of": detail.replay_of,
        "replays": list(detail.replays),
        "responses": [
            {
                **_outbound_document(response),
                "answers": list(reading.answers),
                "findings": [
                    {"code": f.code, "text": f.text, "pointer": f.pointer, "transaction": f.transaction}
                    for f in reading.findings
                ],
            }
            for response, reading in zip(responses, readings, strict=True)
        ],
    }


def _outbound_document(response: OutboundRecord) -> dict[str, Any]:
    return {
        "id": response.id,
        "name": response.name,
        "kind": response.kind,
        "broker": response.sender_id,
        "inbound_file_id": response.inbound_file_id,
        "created_at": iso(response.created_at),
        "deleted_at": iso(response.deleted_at),
    }


def file_text(detail: FileDetail, responses: list[OutboundRecord], readings: list[ResponseReading]) -> str:
    """`queue show`: the file's history, its responses, and what they said."""
    file = detail.summary
    lines = [
        f"file {file.id}  {file.filename}  from {file.sender_id}  {size(file.size)}  sha256 {detail.sha256}",
        f"status {file.status}  outcome {file.outcome or '-'}  attempts {file.attempts}",
        *_history(detail),
    ]
    if responses:
        rows = [[r.id, r.name, r.kind, instant(r.created_at), instant(r.deleted_at)] for r in responses]
        lines += ["responses", table(["outbound", "name", "kind", "created", "deleted"], rows, indent="  ")]
    for response, reading in zip(responses, readings, strict=True):
        lines += [f"{response.kind} {response.id} says:", *(f"  {answer}" for answer in reading.answers)]
        lines += [f"    {f.code}  {f.pointer}: {f.text}" for f in reading.findings]
    return "\n".join(lines)


def _history(detail: FileDetail) -> list[str]:
    file = detail.summary
    facts: list[tuple[str, object]] = [
        ("interchange", _interchange(detail)),
        ("received", instant(file.received_at)),
        ("claimed", _claimed(detail)),
        ("next try", instant(detail.next_attempt_at)),
        ("last error", detail.last_error),
        ("processed", instant(file.processed_at)),
        ("CADs", _cads(detail)),
        ("replay of", f"file {detail.replay_of}" if detail.replay_of else None),
        ("replayed as", ", ".join(f"file {replay}" for replay in detail.replays) or None),
    ]
    return [f"{label:<12}{value}" for label, value in facts if value is not None]


def _interchange(detail: FileDetail) -> str | None:
    if detail.control_reference is None:
        return None
    return f"{detail.interchange_sender or '?'} control reference {detail.control_reference}"


def _claimed(detail: FileDetail) -> str | None:
    if detail.claimed_at is None:
        return None
    return f"{instant(detail.claimed_at)} by {detail.claimed_by or '?'}"


def _cads(detail: FileDetail) -> str | None:
    if detail.cads_accepted is None and detail.cads_rejected is None:
        return None
    return f"accepted {detail.cads_accepted or 0}, rejected {detail.cads_rejected or 0}"


@queue.command("retry", short_help="Process a held file now rather than at its retry time.")
@click.argument("file_id", type=int)
@click.pass_context
def queue_retry(ctx: click.Context, file_id: int) -> None:
    """Let file FILE_ID, held after an infrastructure error, be processed now, not at its retry time."""
    with _operations(ctx) as (uow, operations):
        detail = _inbound(operations, file_id)
        if not operations.release_held(file_id):
            raise _fail(f"File {file_id} is {detail.summary.status}, not HELD, so there is nothing to retry.")
        uow.commit()
    click.echo(f"file {file_id} will be processed again now")


@queue.command("replay", short_help="Process an answered file again, as a new file (never posts twice).")
@click.argument("file_id", type=int)
@click.pass_context
def queue_replay(ctx: click.Context, file_id: int) -> None:
    """Process answered file FILE_ID again from its stored bytes, as a new file marked as its replay.

    The replay is a new inbound file (its id is printed) that the workers of a running gateway process like
    any upload; the original keeps its history and responses, and the replay gets a CONTRL and a CUSRES of
    its own. It is not answered as a duplicate of the original or of an earlier replay of it (the
    interchange is forgotten as seen by them); a file that was itself a duplicate of another stays one, and
    of two replays queued before either is processed, the second is a duplicate. Nothing is posted twice: a
    CAD already accepted is an exact repeat, answered again and not posted; a CAD rejected before is decided
    again on the day the replay is processed, with the reference data and registrations of then, and
    posted if it is accepted now. Use it after fixing reference data or a delegation, or to answer again.
    """
    with _operations(ctx) as (uow, operations):
        detail = _inbound(operations, file_id)
        if detail.summary.status == FileStatus.UPLOADING.value:
            raise _fail(f"File {file_id} is still being uploaded; it will be processed once it is stored.")
        if detail.summary.status != FileStatus.DONE.value:
            raise _fail(
                f"File {file_id} is {detail.summary.status}, not answered yet; it will be processed anyway."
            )
        duplicate = detail.summary.outcome == Outcome.DUPLICATE.value
        replay_id = operations.queue_replay(file_id, forget_interchange=not duplicate)
        uow.commit()
    click.echo(f"file {file_id} queued again as file {replay_id}")


@click.group()
def outbox() -> None:
    """Outbound files in the brokers' outboxes."""


@outbox.command("resend")
@click.argument("outbound_id", type=int)
@click.pass_context
def outbox_resend(ctx: click.Context, outbound_id: int) -> None:
    """Put outbound file OUTBOUND_ID (an id `queue show` prints) back in its broker's outbox, under its own
    name, after the broker deleted it."""
    with _operations(ctx) as (uow, operations):
        record = operations.outbound(outbound_id)
        if record is None:
            raise _fail(f"There is no outbound file {outbound_id}.")
        resent = operations.resend(outbound_id)
        uow.commit()
    where = f"{record.sender_id}'s outbox"
    click.echo(f"{record.name} is back in {where}" if resent else f"{record.name} is still in {where}")
