"""The parser's entry point: interchange bytes to a checked `Interchange` (parsers layer).

`parse_interchange` tokenizes the file, lays out UNB, the UNH..UNT messages and UNZ, runs every envelope and
character check of MIG.md §1, and files each finding under the message it concerns (so that message alone is
rejected, MIG.md §3) or under the interchange. It never raises: empty, binary, HL7 or truncated input comes
back as an `Interchange` with findings. When no UNB can be read at all, the envelope fields are empty strings,
`readable` is False and the findings say why (13, UNB missing), so the caller knows there is nobody to send
a CONTRL to. `raise_for_findings` turns findings into a `ParseError` for callers that want one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from parsers import codes
from parsers.advice import service_characters
from parsers.charsets import codec_for, repertoire_for
from parsers.envelope_checks import check_duplicate_reference, check_header, check_message, check_trailer
from parsers.errors import InterchangeRejected, InterchangeUnreadable
from parsers.findings import FindingSink, MessageSpan
from parsers.layout import Layout, lay_out
from parsers.model import Interchange, Message, Segment
from parsers.segments import HEAD, SegmentSequence, SegmentStore
from parsers.service_segments import SPECS, clean_pattern
from parsers.text_checks import check_text
from parsers.tokenizer import Tokens, tokenize

CARM_RECIPIENT = "CARM"  # MIG.md §1: UNB S003/0010


def parse_interchange(
    data: bytes, *, expected_sender: str | None, expected_recipient: str | None = CARM_RECIPIENT
) -> Interchange:
    """Parse and check one interchange file.

    Args:
        data: the file exactly as received.
        expected_sender: the SFTP account's EDI sender id (code 23 when UNB S002 differs); None skips the
            check (tests, the corpus, `check` without `--sender`).
        expected_recipient: the recipient UNB S003 must name (code 7 otherwise); None skips the check.

    Returns:
        The interchange with its messages; `findings` on it and on each message say what is wrong.
        Raises nothing.
    """
    tokens = tokenize(data)
    store = SegmentStore(
        data=data,
        starts=tokens.starts,
        ends=tokens.ends,
        codec=codec_for(tokens.syntax_identifier),
        advice=tokens.advice,
    )
    layout = lay_out(tokens.service(), len(tokens))
    spans = layout.spans
    sink = FindingSink(spans, lambda k: store.head(spans[k].first).component(1))
    header = None if layout.header is None else store.head(layout.header)
    _check_envelope(sink, store, tokens, layout, header, (expected_sender, expected_recipient))
    messages = tuple(_check_messages(sink, store, spans, header))
    service = service_characters(tokens.advice).encode("latin_1")
    check_text(sink, store, tokens, repertoire_for(tokens.syntax_identifier, service))
    return _interchange(header, tokens, sink, tuple(_finish(m, sink, k) for k, m in enumerate(messages)))


def _check_envelope(
    sink: FindingSink,
    store: SegmentStore,
    tokens: Tokens,
    layout: Layout,
    header: Segment | None,
    parties: tuple[str | None, str | None],
) -> None:
    for problem in tokens.una_problems:
        sink.add(problem.code, problem.text, tag=codes.UNA)
    for misplaced in layout.problems:
        sink.add(misplaced.code, misplaced.text, index=misplaced.index, tag=misplaced.tag)
    if header is not None:
        check_header(sink, header, expected_sender=parties[0], expected_recipient=parties[1])
    if layout.trailer is not None:
        expected = layout.groups or len(layout.spans)  # UNZ 0036 counts groups when the interchange has any
        check_trailer(sink, store.head(layout.trailer), header, expected_count=expected)


def _check_messages(
    sink: FindingSink, store: SegmentStore, spans: list[MessageSpan], header: Segment | None
) -> list[Message]:
    version = header.component(1, 2) if header else ""
    clean = _precheck(store, version)
    seen: set[str] = set()
    messages = []
    for k, span in enumerate(spans):
        unh = store.head(span.first)
        unt = store.head(span.last) if span.closed else None
        check_message(sink, span, k, (unh, unt), version, clean)
        check_duplicate_reference(sink, unh, seen)
        messages.append(_message(unh, SegmentSequence(store, span.first, span.last + 1)))
    return messages


def _precheck(store: SegmentStore, version: str) -> Callable[[Segment], bool]:
    """True when a service segment's raw text matches its element table outright (the usual case)."""
    advice = store.advice
    blockers = [c for c in (advice.release_character, advice.repetition_separator) if c]
    element, component = advice.element_separator, advice.component_separator

    def clean(segment: Segment) -> bool:
        start, end = store.span(segment.index - 1)
        if end - start >= HEAD or (segment.tag, "3") not in SPECS:
            return False
        text = store.text(segment.index - 1)
        if any(c in text for c in blockers):
            return False
        return clean_pattern(segment.tag, version, element, component).fullmatch(text) is not None

    return clean


def _message(unh: Segment, segments: SegmentSequence) -> Message:
    return Message(
        reference=unh.component(1),
        message_type=unh.component(2, 1),
        version=unh.component(2, 2),
        release=unh.component(2, 3),
        agency=unh.component(2, 4),
        association_code=unh.component(2, 5),
        segments=segments,
    )


def _finish(message: Message, sink: FindingSink, k: int) -> Message:
    findings = sink.message_findings(k)
    return replace(message, findings=findings) if findings else message


def _interchange(
    header: Segment | None, tokens: Tokens, sink: FindingSink, messages: tuple[Message, ...]
) -> Interchange:
    unb = header or Segment(tag=codes.UNB, elements=(), index=0, offset=0)
    date, time = unb.component(4, 1), unb.component(4, 2)
    return Interchange(
        syntax_identifier=unb.component(1, 1),
        syntax_version=unb.component(1, 2),
        sender_id=unb.component(2, 1),
        sender_qualifier=unb.component(2, 2),
        recipient_id=unb.component(3, 1),
        recipient_qualifier=unb.component(3, 2),
        prepared=f"{date}:{time}" if date or time else "",
        control_reference=unb.component(5),
        application_reference=unb.component(7),
        test_indicator=unb.component(11) == codes.TEST_INDICATOR_ON,
        service_string_advice=tokens.advice,
        messages=messages,
        findings=sink.interchange_findings(),
    )


def raise_for_findings(interchange: Interchange) -> Interchange:
    """Return the interchange if it and all its messages are accepted, else raise `InterchangeRejected`.

    Raises:
        InterchangeUnreadable: no UNB could be read (nothing to acknowledge).
        InterchangeRejected: the envelope, or at least one message, has syntax findings.
    """
    findings = interchange.findings + tuple(f for m in interchange.messages for f in m.findings)
    if not interchange.readable:
        raise InterchangeUnreadable("no interchange header could be read", findings=findings)
    if findings:
        first = findings[0]
        raise InterchangeRejected(f"syntax error {first.code}: {first.text}", findings=findings)
    return interchange
