"""The syntax acknowledgement, CONTRL D:3 (outbound layer): one per inbound interchange, MIG.md §3.

UCI answers the interchange: 7 acknowledged (some messages may still be rejected, each by its own UCM), 4
rejected (an envelope error, with its code), 8 received as a duplicate (code 26). Each message with syntax
findings gets a UCM with action 4, a UCS per faulty segment (position counted from UNH = 1) and a UCD per
faulty element. An interchange of CONTRL messages is never answered (`Interchange.is_contrl` says so).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from outbound.edifact import OutSegment, message_segments, render_interchange
from parsers.codes import Action, SyntaxErrorCode
from parsers.model import Interchange, Message, SyntaxFinding

CONTRL_IDENTIFIER = ["CONTRL", "D", "3", "UN"]  # UNH S009: CONTRL, directory D, release 3 (MIG.md §3)
CONTRL_MESSAGE_REFERENCE = "1"
GATEWAY_ID = "CARM"
PARTY_QUALIFIER = "ZZZ"  # UNB S002/S003 0007: mutually defined
MAX_UCS_PER_UCM = 999  # CONTRL SG2 repeats
MAX_UCD_PER_UCS = 99  # CONTRL UCD repeats


@dataclass(frozen=True, slots=True, kw_only=True)
class ContrlEnvelope:
    """Who the acknowledgement goes to, when, and under which of our control references."""

    recipient: str  # the broker's EDI sender id (its SFTP account)
    control_reference: str
    prepared: dt.datetime
    fallback_reference: str  # stands for the interchange's reference when no UNB could be read


def interchange_action(interchange: Interchange, *, duplicate: bool) -> tuple[Action, str | None]:
    """The UCI action and error code for an interchange."""
    if duplicate:
        return Action.RECEIVED, SyntaxErrorCode.DUPLICATE.value
    if interchange.findings:
        # One code fits in UCI: the one about the interchange header if any (no UNB, a bad sender...),
        # else the first in file order.
        header = [f for f in interchange.findings if f.segment_tag == "UNB"]
        return Action.REJECTED, (header or list(interchange.findings))[0].code
    return Action.ACKNOWLEDGED, None


def render_contrl(interchange: Interchange, envelope: ContrlEnvelope, *, duplicate: bool = False) -> bytes:
    """The CONTRL interchange answering `interchange`."""
    action, code = interchange_action(interchange, duplicate=duplicate)
    uci: OutSegment = (
        "UCI",
        [
            interchange.control_reference or envelope.fallback_reference,
            [interchange.sender_id or envelope.recipient, interchange.sender_qualifier or PARTY_QUALIFIER],
            [GATEWAY_ID, PARTY_QUALIFIER],
            action.value,
            code or "",
        ],
    )
    body = [uci]
    if action is Action.ACKNOWLEDGED:
        for message in interchange.messages:
            if message.findings:
                body += message_report(message)
    return render_interchange(
        sender=GATEWAY_ID,
        recipient=envelope.recipient,
        prepared=envelope.prepared,
        control_reference=envelope.control_reference,
        messages=[message_segments(CONTRL_MESSAGE_REFERENCE, CONTRL_IDENTIFIER, body)],
    )


def message_report(message: Message) -> list[OutSegment]:
    """UCM (action 4) for a rejected message, with UCS/UCD for each faulty segment and element."""
    unplaced = [f for f in message.findings if f.segment_position is None]
    identifier = [message.message_type, message.version, message.release, message.agency]
    report: list[OutSegment] = [
        ("UCM", [message.reference, identifier, Action.REJECTED.value, unplaced[0].code if unplaced else ""])
    ]
    by_segment: dict[int, list[SyntaxFinding]] = defaultdict(list)
    for finding in message.findings:
        if finding.segment_position is not None:
            by_segment[finding.segment_position].append(finding)
    for position in sorted(by_segment)[:MAX_UCS_PER_UCM]:
        report += segment_report(position, by_segment[position])
    return report


def segment_report(position: int, findings: list[SyntaxFinding]) -> list[OutSegment]:
    """One UCS for a segment, and a UCD for each of its findings that names an element."""
    elements = [f for f in findings if f.element_position is not None]
    unplaced = [f for f in findings if f.element_position is None]
    report: list[OutSegment] = [("UCS", [str(position), (unplaced or findings)[0].code])]
    for finding in elements[:MAX_UCD_PER_UCS]:
        where = [str(finding.element_position)]
        if finding.component_position is not None:
            where.append(str(finding.component_position))
        report.append(("UCD", [finding.code, where]))
    return report
