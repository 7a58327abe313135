"""Checks of the UNB, UNZ, UNH and UNT segments' values (parsers layer).

Element tables first (`check_service_segment`: codes 13, 16, 37, 39, 40), then the MIG.md §1 rules: syntax
identifier and version (2), preparation date and time (12), test indicator (12), sender (23) and recipient
(7); UNZ count and reference against the messages and the UNB (29, 28); UNT count and reference against its
message (29, 28); a message reference used twice in the interchange (26: MIG.md §2 wants it unique).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from parsers import codes
from parsers.codes import SyntaxErrorCode, SyntaxIdentifier
from parsers.findings import FindingSink, MessageSpan
from parsers.model import Segment
from parsers.service_segments import check_service_segment

# MIG.md §1: UNOA, UNOB, UNOC at syntax version 3, and UNOC at version 4.
ACCEPTED_SYNTAX = frozenset(
    {
        (SyntaxIdentifier.UNOA.value, "3"),
        (SyntaxIdentifier.UNOB.value, "3"),
        (SyntaxIdentifier.UNOC.value, "3"),
        (SyntaxIdentifier.UNOC.value, "4"),
    }
)
_ACCEPTED_IDENTIFIERS = frozenset(identifier for identifier, _ in ACCEPTED_SYNTAX)
# UNB positions (ISO 9735 UNB): S001 syntax, S002 sender, S003 recipient, S004 date/time, 0035 test indicator.
SYNTAX, SENDER, RECIPIENT, PREPARED, TEST_INDICATOR = 1, 2, 3, 4, 11


def check_segment_elements(sink: FindingSink, segment: Segment, version: str) -> None:
    """File every element-table problem of a service segment."""
    for problem in check_service_segment(segment, version):
        sink.add(
            problem.code,
            problem.text,
            index=segment.index - 1,
            tag=segment.tag,
            element=problem.element,
            component=problem.component,
        )


def check_header(
    sink: FindingSink, header: Segment, *, expected_sender: str | None, expected_recipient: str | None
) -> None:
    """The UNB: element table, then syntax level, date and time, test indicator, sender and recipient."""
    version = header.component(SYNTAX, 2)
    check_segment_elements(sink, header, version)
    _check_syntax(sink, header)
    _check_prepared(sink, header, version)
    indicator = header.component(TEST_INDICATOR)
    if indicator and indicator.isdigit() and indicator != codes.TEST_INDICATOR_ON:
        _add(
            sink,
            header,
            SyntaxErrorCode.INVALID_VALUE,
            f"test indicator {indicator!r} is not 1",
            TEST_INDICATOR,
        )
    sender = header.component(SENDER)
    if expected_sender is not None and sender and sender != expected_sender:
        text = f"sender {sender!r} is not this account's sender id"
        _add(sink, header, SyntaxErrorCode.UNKNOWN_SENDER, text, SENDER, 1)
    recipient = header.component(RECIPIENT)
    if expected_recipient is not None and recipient and recipient != expected_recipient:
        text = f"recipient {recipient!r} is not {expected_recipient!r}"
        _add(sink, header, SyntaxErrorCode.RECIPIENT_NOT_ACTUAL, text, RECIPIENT, 1)


def _check_syntax(sink: FindingSink, header: Segment) -> None:
    identifier, version = header.component(SYNTAX, 1), header.component(SYNTAX, 2)
    if not identifier or (identifier, version) in ACCEPTED_SYNTAX:
        return
    if identifier not in _ACCEPTED_IDENTIFIERS:
        text = f"syntax identifier {identifier!r} is not supported (UNOA, UNOB or UNOC)"
        _add(sink, header, SyntaxErrorCode.SYNTAX_NOT_SUPPORTED, text, SYNTAX, 1)
    elif version:
        text = f"syntax version {version!r} is not supported for {identifier} (3, or 4 with UNOC)"
        _add(sink, header, SyntaxErrorCode.SYNTAX_NOT_SUPPORTED, text, SYNTAX, 2)


def _check_prepared(sink: FindingSink, header: Segment, version: str) -> None:
    date, time = header.component(PREPARED, 1), header.component(PREPARED, 2)
    date_format = "%Y%m%d" if version == "4" else "%y%m%d"
    if len(date) == (8 if version == "4" else 6) and date.isdigit() and not _parses(date, date_format):
        _add(sink, header, SyntaxErrorCode.INVALID_VALUE, f"date {date!r} is not a real date", PREPARED, 1)
    if len(time) == 4 and time.isdigit() and not _parses(time, "%H%M"):
        _add(sink, header, SyntaxErrorCode.INVALID_VALUE, f"time {time!r} is not a real time", PREPARED, 2)


def _parses(value: str, pattern: str) -> bool:
    try:
        dt.datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


def check_trailer(
    sink: FindingSink, trailer: Segment, header: Segment | None, *, expected_count: int
) -> None:
    """The UNZ: element table, message (or group) count, and the control reference against UNB 0020."""
    version = header.component(SYNTAX, 2) if header else ""
    check_segment_elements(sink, trailer, version)
    count = trailer.component(1)
    if count.isascii() and count.isdigit() and int(count) != expected_count:
        text = f"UNZ count {count} but the interchange holds {expected_count}"
        _add(sink, trailer, SyntaxErrorCode.CONTROL_COUNT_MISMATCH, text, 1)
    reference, expected = trailer.component(2), header.component(5) if header else ""
    if reference and expected and reference != expected:
        text = f"UNZ reference {reference!r} does not match UNB reference {expected!r}"
        _add(sink, trailer, SyntaxErrorCode.REFERENCES_DO_NOT_MATCH, text, 2)


def check_message(
    sink: FindingSink,
    span: MessageSpan,
    message: int,
    trailers: tuple[Segment, Segment | None],
    version: str,
    clean: Callable[[Segment], bool],
) -> None:
    """A message's UNH and UNT: element tables (unless `clean` vouches for them), then the UNT count and
    reference, or its absence."""
    unh, unt = trailers
    if not clean(unh):
        check_segment_elements(sink, unh, version)
    if unt is None:
        sink.add(SyntaxErrorCode.MISSING, "UNT message trailer is missing", message=message, tag=codes.UNT)
        return
    if not clean(unt):
        check_segment_elements(sink, unt, version)
    count, expected = unt.component(1), span.last - span.first + 1
    if count.isascii() and count.isdigit() and int(count) != expected:
        text = f"UNT count {count} but the message has {expected} segments from UNH to UNT"
        _add(sink, unt, SyntaxErrorCode.CONTROL_COUNT_MISMATCH, text, 1)
    reference, expected_reference = unt.component(2), unh.component(1)
    if reference and expected_reference and reference != expected_reference:
        text = f"UNT reference {reference!r} does not match UNH reference {expected_reference!r}"
        _add(sink, unt, SyntaxErrorCode.REFERENCES_DO_NOT_MATCH, text, 2)


def check_duplicate_reference(sink: FindingSink, unh: Segment, seen: set[str]) -> None:
    """Code 26 on the second and later UNH carrying the same message reference."""
    reference = unh.component(1)
    if reference and reference in seen:
        _add(sink, unh, SyntaxErrorCode.DUPLICATE, f"message reference {reference!r} used twice", 1)
    seen.add(reference)


def _add(
    sink: FindingSink,
    segment: Segment,
    code: SyntaxErrorCode,
    text: str,
    element: int,
    component: int | None = None,
) -> None:
    sink.add(code, text, index=segment.index - 1, tag=segment.tag, element=element, component=component)
