"""`carm-gateway check FILE --sender SENDER_ID [--json]`: the broker's pre-flight check (gateway layer).

Runs the same reading as the workers (parse, structure, mapping) on a file and prints the CONTRL the
gateway would send — as EDIFACT, with each finding on stderr in plain words, or as JSON with every finding
and its position. Nothing is stored or posted. Exit 0 when the interchange and all its messages are
accepted, 3 when anything is rejected (MIG.md §7).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from domain.findings import Finding
from gateway.bootstrap import System
from mappers.interchange import InterchangeReading, read_interchange
from outbound.contrl import ContrlEnvelope, render_contrl
from parsers.model import SyntaxFinding

EXIT_REJECTED = 3
CHECK_REFERENCE = "CHECK"  # our control reference on a CONTRL that is only shown, never sent


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sender", "sender_id", required=True, help="The SFTP account's EDI sender id.")
@click.option("--json", "as_json", is_flag=True, help="Print every finding and its position as JSON.")
@click.pass_context
def check(ctx: click.Context, file: Path, sender_id: str, as_json: bool) -> None:
    """Show the CONTRL FILE would get, without storing or posting anything."""
    system = ctx.find_object(System)
    assert system is not None, "check runs under carm-gateway, which sets up the system"
    reading = read_interchange(file.read_bytes(), sender_id=sender_id)
    envelope = ContrlEnvelope(
        recipient=sender_id,
        control_reference=CHECK_REFERENCE,
        prepared=system.clock.now().astimezone(system.settings.zone),
        fallback_reference=CHECK_REFERENCE,
    )
    contrl = render_contrl(reading.interchange, envelope).decode("latin_1")
    if as_json:
        click.echo(json.dumps(report(reading, contrl), indent=2, ensure_ascii=False))
    else:
        click.echo(contrl)
        for line in plain_findings(reading):
            click.echo(line, err=True)
    sys.exit(0 if reading.accepted else EXIT_REJECTED)


def report(reading: InterchangeReading, contrl: str) -> dict[str, Any]:
    """The JSON document of `check --json`."""
    interchange = reading.interchange
    return {
        "accepted": reading.accepted,
        "interchange": {
            "sender": interchange.sender_id,
            "control_reference": interchange.control_reference,
            "test": interchange.test_indicator,
            "findings": [syntax_finding(f) for f in interchange.findings],
        },
        "messages": [
            {
                "reference": m.message.reference,
                "accepted": m.mapping is not None and m.mapping.mapped,
                "syntax_findings": [syntax_finding(f) for f in m.message.findings],
                "findings": [business_finding(f) for f in (m.mapping.findings if m.mapping else ())],
            }
            for m in reading.messages
        ],
        "contrl": contrl,
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


def plain_findings(reading: InterchangeReading) -> list[str]:
    """One readable line per finding, for a person at a terminal."""
    lines = [f"interchange: syntax error {f.code}: {f.text}" for f in reading.interchange.findings]
    for m in reading.messages:
        lines += [
            f"message {m.message.reference}: syntax error {f.code}: {f.text}" for f in m.message.findings
        ]
        if m.mapping is not None:
            lines += [
                f"message {m.message.reference}: {f.code} at {f.pointer}: {f.message}"
                for f in m.mapping.findings
            ]
    if not reading.messages and reading.interchange.accepted:
        lines.append("the interchange holds no message")
    return lines
