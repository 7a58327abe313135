"""`carm-gateway check FILE --sender SENDER_ID [--json]`: the broker's pre-flight check (gateway layer).

When the database knows the sender, the file goes through the very pipeline the workers run — parse,
structure, mapping, business rules against the reference data and the ledger, assessment — inside a
transaction that is rolled back: nothing is stored or posted. Otherwise (no such broker, no database) only
the syntax and the mapping are checked, and stderr says so. It prints the CONTRL and the CUSRES the gateway
would send, as EDIFACT with each finding on stderr in plain words, or as JSON with every finding, its
position and the assessed amounts per line. Exit 0 when everything is accepted, 3 otherwise (MIG.md §7).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from domain.assessment import AssessedLine
from domain.findings import Finding
from gateway.bootstrap import System
from gateway.decisions import Accepted, Decision, Rejected
from gateway.pipeline import Moment, Outcome, ProcessedFile, process_file
from ledger.errors import StoreUnavailable
from ledger.queue import ClaimedFile
from mappers.interchange import InterchangeReading, read_interchange
from outbound.contrl import ContrlEnvelope, render_contrl
from parsers.model import SyntaxFinding

EXIT_REJECTED = 3
CHECK_REFERENCE = "CHECK"  # our control reference on a CONTRL that is only shown, never sent


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sender", "sender_id", required=True, help="The SFTP account's EDI sender id.")
@click.option("--json", "as_json", is_flag=True, help="Print every finding, its position and the amounts.")
@click.pass_context
def check(ctx: click.Context, file: Path, sender_id: str, as_json: bool) -> None:
    """Show the CONTRL and CUSRES FILE would get, without storing or posting anything."""
    system = ctx.find_object(System)
    assert system is not None, "check runs under carm-gateway, which sets up the system"
    data = file.read_bytes()
    result = dry_run(system, file.name, data, sender_id)
    if result is None:
        click.echo(f"{sender_id} is not a broker of this database: business rules not checked", err=True)
        result = syntax_only(system, data, sender_id)
    if as_json:
        click.echo(json.dumps(report(result), indent=2, ensure_ascii=False))
    else:
        for _, content in result.responses:
            click.echo(content.decode("latin_1"))
        for line in plain_findings(result):
            click.echo(line, err=True)
    sys.exit(0 if result.outcome is Outcome.ACCEPTED else EXIT_REJECTED)


def dry_run(system: System, filename: str, data: bytes, sender_id: str) -> ProcessedFile | None:
    """The pipeline on `data` in a transaction that is rolled back; None when the store cannot do it."""
    try:
        with system.unit_of_work() as uow:
            broker = uow.parties.find_broker(sender_id)
            if broker is None:
                return None
            file_id = uow.files.receive(sender_id=sender_id, filename=filename, raw=data)
            claimed = ClaimedFile(
                id=file_id,
                broker_id=broker.id,
                sender_id=sender_id,
                broker_bn15=broker.bn15,
                filename=filename,
                raw=data,
                attempts=0,
                received_at=system.clock.now(),
            )
            return process_file(
                uow, claimed, Moment.of(system.clock, system.settings.zone), system.late_penalty
            )
            # leaving the block without commit rolls everything back
    except (StoreUnavailable, DBAPIError):
        return None


def syntax_only(system: System, data: bytes, sender_id: str) -> ProcessedFile:
    reading = read_interchange(data, sender_id=sender_id)
    envelope = ContrlEnvelope(
        recipient=sender_id,
        control_reference=CHECK_REFERENCE,
        prepared=system.clock.now().astimezone(system.settings.zone),
        fallback_reference=CHECK_REFERENCE,
    )
    outcome = Outcome.ACCEPTED if reading.accepted else Outcome.REJECTED
    return ProcessedFile(
        outcome=outcome,
        reading=reading,
        responses=(("contrl", render_contrl(reading.interchange, envelope)),),
    )


def report(result: ProcessedFile) -> dict[str, Any]:
    """The JSON document of `check --json`."""
    interchange = result.reading.interchange
    decisions = {decision_reference(d): d for d in result.decisions}
    return {
        "accepted": result.outcome is Outcome.ACCEPTED,
        "outcome": result.outcome.value,
        "interchange": {
            "sender": interchange.sender_id,
            "control_reference": interchange.control_reference,
            "test": interchange.test_indicator,
            "findings": [syntax_finding(f) for f in interchange.findings],
        },
        "messages": [message_report(m, decisions.get(m.message.reference)) for m in result.reading.messages],
        **{kind: content.decode("latin_1") for kind, content in result.responses},
    }


def decision_reference(decision: Decision) -> str:
    return (
        decision.cad.message_reference
        if isinstance(decision, Accepted)
        else decision.reference.message_reference
    )


def message_report(reading: Any, decision: Decision | None) -> dict[str, Any]:
    mapping_findings = reading.mapping.findings if reading.mapping is not None else ()
    business = decision.findings if isinstance(decision, Rejected) else mapping_findings
    document: dict[str, Any] = {
        "reference": reading.message.reference,
        "accepted": isinstance(decision, Accepted),
        "syntax_findings": [syntax_finding(f) for f in reading.message.findings],
        "findings": [business_finding(f) for f in business],
    }
    if isinstance(decision, Accepted):
        document["lines"] = [assessed_line(line) for line in decision.assessment.lines]
        document["posted_cents"] = decision.posted.total_cents
    return document


def assessed_line(line: AssessedLine) -> dict[str, Any]:
    return {
        "line": line.line_number,
        "classification": line.classification,
        "treatment": line.tariff_treatment,
        "currency": line.currency,
        "exchange_rate": str(line.exchange_rate),
        "value_for_duty_cents": line.value_for_duty_cents,
        "duty_cents": line.amounts.duty_cents,
        "value_for_tax_cents": line.value_for_tax_cents,
        "gst_cents": line.amounts.gst_cents,
        "excise_cents": line.amounts.excise_cents,
        "sima_cents": line.amounts.sima_cents,
    }


def syntax_finding(finding: SyntaxFinding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "text": finding.text,
        "message": finding.message_ref,
        "segment_position": finding.segment_position,
        "segment": finding.segment_tag,
        "element": finding.element_position,
        "component": finding.component_position,
        "segment_in_file": finding.interchange_index,
    }


def business_finding(finding: Finding) -> dict[str, Any]:
    return {"code": finding.code, "text": finding.message, "pointer": str(finding.pointer)}


def plain_findings(result: ProcessedFile) -> list[str]:
    """One readable line per finding, for a person at a terminal."""
    reading: InterchangeReading = result.reading
    lines = [f"interchange: syntax error {f.code}: {f.text}" for f in reading.interchange.findings]
    for m in reading.messages:
        lines += [
            f"message {m.message.reference}: syntax error {f.code}: {f.text}" for f in m.message.findings
        ]
    for decision in result.decisions:
        if isinstance(decision, Rejected):
            ref = decision.reference.message_reference
            lines += [f"message {ref}: {f.code} at {f.pointer}: {f.message}" for f in decision.findings]
    if not result.decisions:
        for m in reading.messages:
            if m.mapping is not None:
                ref = m.message.reference
                lines += [f"message {ref}: {f.code} at {f.pointer}: {f.message}" for f in m.mapping.findings]
    return lines
