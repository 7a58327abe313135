"""Reading the gateway's own CONTRL and CUSRES back into findings (gateway layer, pure).

`carm-gateway queue show` tells why a file was rejected from what the broker was actually sent: the stored
outbound files are the one source of truth, so the operator and the broker see the same codes. Each response
is parsed with the project's parser (`parsers.envelope`) and its segments (MIG.md §3 and §4) become
`ResponseFinding`s: the UCI/UCM/UCS/UCD syntax codes of a CONTRL (UNSL 0085, the segment they point at
looked up in the inbound file's own bytes), and the ERP/ERC/FTX error groups of each rejected CAD in a CUSRES
(the catalogue code, the text the broker got, and where).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from gateway.error_codes import published_catalogue
from outbound.contrl import CONTRL_IDENTIFIER
from outbound.cusres import (
    ACCEPTED,
    DECLARANT_REFERENCE,
    ERROR_DESCRIPTION,
    REJECTED,
    RELATED_DOCUMENT,
    SECTIONS,
    UNDER_REVIEW,
)
from parsers.codes import Action, SyntaxErrorCode
from parsers.envelope import parse_interchange
from parsers.model import Message, Segment

ACTIONS: Final = {
    Action.ACKNOWLEDGED.value: "acknowledged",
    Action.REJECTED.value: "rejected",
    Action.RECEIVED.value: "received as a duplicate",
}
ANSWERS: Final = {ACCEPTED: "accepted", REJECTED: "rejected", UNDER_REVIEW: "accepted, under review"}
LEVELS: Final = {code: str(level) for level, code in SECTIONS.items()}
SHOWN_SEGMENT: Final = 80  # characters of an offending segment quoted in a pointer


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseFinding:
    """One problem a response reported: its code, what it means, and where it is."""

    code: str
    text: str
    pointer: str
    transaction: str | None = None  # "transaction number:version" of the CAD (CUSRES)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseReading:
    """What one response said: a one-line answer per interchange or CAD, and every finding."""

    answers: tuple[str, ...]
    findings: tuple[ResponseFinding, ...]


def read_response(kind: str, content: bytes, *, inbound: bytes | None = None) -> ResponseReading:
    """Read a stored CONTRL or CUSRES (`inbound`: the file it answers, to quote faulty segments); any other
    kind (a daily notice, a statement) has no findings."""
    if kind == "contrl":
        return read_contrl(content, inbound=inbound)
    if kind == "cusres":
        return read_cusres(content)
    return ResponseReading(answers=(), findings=())


def read_contrl(content: bytes, *, inbound: bytes | None = None) -> ResponseReading:
    """The UCI answer and the syntax findings of a CONTRL (MIG.md §3)."""
    segments = [s for m in _messages(content) if _is_contrl(m) for s in m.segments]
    quoted = _message_segments(inbound) if inbound is not None else {}
    answers: list[str] = []
    findings: list[ResponseFinding] = []
    message = ""
    for index, segment in enumerate(segments):
        if segment.tag == "UCI":
            answers.append(_interchange_answer(segment))
            findings += _interchange_findings(segment)
        elif segment.tag == "UCM":
            message = segment.component(1)
            findings += _message_findings(segment)
        elif segment.tag == "UCS":
            details = _details_of(segments, index)
            findings += _segment_findings(segment, details, message, quoted.get(message, ()))
    return ResponseReading(answers=tuple(answers), findings=tuple(findings))


def read_cusres(content: bytes) -> ResponseReading:
    """The answer to each CAD and the findings of each rejected one (MIG.md §4)."""
    answers: list[str] = []
    findings: list[ResponseFinding] = []
    for message in _messages(content):
        transaction, answer = _cad_answer(message.segments)
        answers.append(answer)
        findings += _error_groups(message.segments, transaction)
    return ResponseReading(answers=tuple(answers), findings=tuple(findings))


def syntax_text(code: str) -> str:
    """The UNSL 0085 meaning of a syntax error code, in words (parsers.codes names each one)."""
    try:
        return SyntaxErrorCode(code).name.replace("_", " ").lower()
    except ValueError:
        return "syntax error"


def _messages(content: bytes) -> tuple[Message, ...]:
    return parse_interchange(content, expected_sender=None, expected_recipient=None).messages


def _is_contrl(message: Message) -> bool:
    return [message.message_type, message.version, message.release, message.agency] == CONTRL_IDENTIFIER


def _interchange_answer(uci: Segment) -> str:
    action, code = uci.component(4), uci.component(5)
    said = f"interchange {uci.component(1)} {ACTIONS.get(action, f'action {action}')}"
    return f"{said} (code {code}: {syntax_text(code)})" if code else said


def _interchange_findings(uci: Segment) -> list[ResponseFinding]:
    code = uci.component(5)
    if not code:
        return []
    return [ResponseFinding(code=code, text=syntax_text(code), pointer="interchange")]


def _message_findings(ucm: Segment) -> list[ResponseFinding]:
    code = ucm.component(4)
    if not code:
        return []
    return [ResponseFinding(code=code, text=syntax_text(code), pointer=f"message {ucm.component(1)}")]


def _details_of(segments: Sequence[Segment], index: int) -> list[Segment]:
    """The UCD segments following the UCS at `index`."""
    details: list[Segment] = []
    for segment in segments[index + 1 :]:
        if segment.tag != "UCD":
            break
        details.append(segment)
    return details


def _segment_findings(
    ucs: Segment, details: Sequence[Segment], message: str, quoted: Sequence[Segment]
) -> Iterator[ResponseFinding]:
    """A finding per UCD, and one for the UCS itself unless a UCD already carries its code."""
    position = ucs.component(1)
    where = f"message {message}, segment {position}{_quote(quoted, position)}"
    codes = [detail.component(1) for detail in details]
    if ucs.component(2) not in codes:
        yield ResponseFinding(code=ucs.component(2), text=syntax_text(ucs.component(2)), pointer=where)
    for detail in details:
        element = ":".join(part for part in detail.element(2) if part)
        yield ResponseFinding(
            code=detail.component(1),
            text=syntax_text(detail.component(1)),
            pointer=f"{where}, element {element}",
        )


def _quote(segments: Sequence[Segment], position: str) -> str:
    """The faulty segment as received, e.g. ` DTM+204:2025061:102` ("" when it cannot be found)."""
    if not position.isdigit() or not 0 < int(position) <= len(segments):
        return ""
    segment = segments[int(position) - 1]
    text = "+".join([segment.tag, *(":".join(element) for element in segment.elements)])
    return f" ({text[:SHOWN_SEGMENT]})"


def _message_segments(inbound: bytes) -> dict[str, Sequence[Segment]]:
    """The inbound file's messages by reference (the first of a repeated one), to quote segments from."""
    messages: dict[str, Sequence[Segment]] = {}
    for message in parse_interchange(inbound, expected_sender=None, expected_recipient=None).messages:
        messages.setdefault(message.reference, message.segments)
    return messages


def _cad_answer(segments: Sequence[Segment]) -> tuple[str, str]:
    bgm = next((s for s in segments if s.tag == "BGM"), None)
    related = next((s for s in segments if s.tag == "RFF" and s.component(1) == RELATED_DOCUMENT), None)
    file_reference = next(
        (s.component(1, 2) for s in segments if s.tag == "RFF" and s.component(1) == DECLARANT_REFERENCE), ""
    )
    transaction = ":".join(part for part in bgm.element(2) if part) if bgm else "?"
    response = bgm.component(4) if bgm else ""
    answer = f"CAD {transaction} {ANSWERS.get(response, response or 'without an answer')}"
    if related is not None:
        answer += f" (message {related.component(1, 3)}"
        answer += f", file reference {file_reference})" if file_reference else ")"
    return transaction, answer


def _error_groups(segments: Sequence[Segment], transaction: str) -> Iterator[ResponseFinding]:
    """One finding per SG4 (ERP, ERC, FTX+AAO) of a rejected CAD."""
    catalogue = published_catalogue()
    pointer, code = "", ""
    for segment in segments:
        if segment.tag == "ERP":
            section, line = segment.component(1), segment.component(1, 2)
            pointer = f"line {line}" if line else LEVELS.get(section, f"section {section}")
        elif segment.tag == "ERC":
            code = segment.component(1)
        elif segment.tag == "FTX" and segment.component(1) == ERROR_DESCRIPTION and code:
            text = "".join(segment.element(4))
            title = catalogue[code].title if code in catalogue else ""
            said = text if not title or text.startswith(title) else f"{title}: {text}"
            yield ResponseFinding(code=code, text=said, pointer=pointer, transaction=transaction)
            code = ""
