"""Reading a whole inbound file (mappers layer): parse, check each message's structure, map each CAD.

This is the pure front half of the pipeline, shared by the workers and by `carm-gateway check`: bytes and
the SFTP account's sender id in, an `InterchangeReading` out — the interchange with every syntax finding
(envelope, characters, and each CUSDEC message against the D.16A segment table) and, for every message that
passed the syntax checks, its mapping to a `Cad` or the findings that stopped it. Nothing here raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mappers.cusdec import MappingResult, map_cusdec
from parsers.codes import SyntaxErrorCode
from parsers.cusdec_table import CUSDEC_D16A
from parsers.envelope import parse_interchange
from parsers.model import Interchange, Message, Segment, SyntaxFinding
from parsers.structure import Placement, check_and_place

CUSDEC = "CUSDEC"  # UNH S009/0065
BROKER_REFERENCE = "ABE"  # RFF C506/1153: the broker's file reference, echoed in every response


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReading:
    """One message: its syntax findings (on `message`), and its mapping when the syntax was sound."""

    message: Message
    mapping: MappingResult | None  # None when the message is rejected on syntax (CONTRL UCM)


@dataclass(frozen=True, slots=True, kw_only=True)
class InterchangeReading:
    interchange: Interchange
    messages: tuple[MessageReading, ...]

    @property
    def accepted(self) -> bool:
        """No syntax finding anywhere and every message mapped to a CAD."""
        return self.interchange.accepted and all(
            reading.mapping is not None and reading.mapping.mapped for reading in self.messages
        )


def read_interchange(data: bytes, *, sender_id: str | None) -> InterchangeReading:
    """Parse `data`, check every CUSDEC message's structure, and map the sound ones."""
    parsed = parse_interchange(data, expected_sender=sender_id)
    repeats = parsed.service_string_advice.repetition_separator is not None
    structured = [_with_structure(message, repeats=repeats) for message in parsed.messages]
    interchange = replace(parsed, messages=tuple(message for message, _ in structured))
    if not interchange.accepted:
        return InterchangeReading(interchange=interchange, messages=())
    mark = interchange.service_string_advice.decimal_mark
    readings = tuple(
        MessageReading(
            message=m,
            mapping=map_cusdec(m, decimal_mark=mark, placements=placements) if m.accepted else None,
        )
        for m, placements in structured
    )
    return InterchangeReading(interchange=interchange, messages=readings)


def _with_structure(message: Message, *, repeats: bool) -> tuple[Message, tuple[Placement, ...] | None]:
    """The message with its structure findings, and where its segments landed (for the mapper).

    `repeats`: the interchange has a repetition separator (syntax 4), without which no segment can hold a
    repeated element, so the segments are not looked at again for one.
    """
    if message.message_type != CUSDEC:
        return message, None
    structure, placements = check_and_place(message, CUSDEC_D16A)
    segments = [placement.segment for placement in placements] if repeats else []
    findings = structure + _repeated_elements(message, segments)
    return (replace(message, findings=message.findings + findings) if findings else message), placements


def _repeated_elements(message: Message, segments: Sequence[Segment]) -> tuple[SyntaxFinding, ...]:
    """Syntax 4 repetitions (`*`) of an element: no element of a CUSDEC D.16A segment repeats, so each is
    refused (UNSL 0085/35, "too many repetitions" in ISO 9735 version 4) rather than cut to its first one."""
    return tuple(
        SyntaxFinding(
            code=SyntaxErrorCode.TOO_MANY_SEGMENT_REPETITIONS.value,
            text=f"{segment.tag} element {element} is repeated, which CUSDEC D.16A does not allow",
            message_ref=message.reference,
            segment_position=position,
            segment_tag=segment.tag,
            element_position=element,
            interchange_index=segment.index,
        )
        for position, segment in enumerate(segments, start=1)
        for element, _ in segment.repetitions
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageIdentity:
    """What a CAD message says it is, read leniently, so a response can echo it even when the message
    could not be mapped."""

    transaction_number: str
    version: int | None
    broker_reference: str | None


ECHO = re.compile(r"[A-Za-z0-9 ./-]{1,35}")  # what a response may echo back of an unmapped value


def identify(message: Message) -> MessageIdentity:
    """The transaction number and version (BGM C106) and broker reference (RFF+ABE) of a message."""
    number, version, reference = "", None, None
    for segment in message.segments:
        if segment.tag == "BGM":
            number = segment.component(2, 1)
            version = int(segment.component(2, 2)) if segment.component(2, 2).isdigit() else None
        elif segment.tag == "RFF" and segment.component(1, 1) == BROKER_REFERENCE:
            reference = segment.component(1, 2)
    return MessageIdentity(
        transaction_number=number if ECHO.fullmatch(number) else "",
        version=version,
        broker_reference=reference if reference and ECHO.fullmatch(reference) else None,
    )
