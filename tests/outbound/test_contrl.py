"""CONTRL D:3 (MIG.md §3): what it says for each kind of interchange, and that our own parser accepts it."""

from __future__ import annotations

import datetime as dt

from outbound.contrl import ContrlEnvelope, render_contrl
from parsers.envelope import parse_interchange
from parsers.model import Interchange
from tests.parsers.interchanges import interchange, message

ENVELOPE = ContrlEnvelope(
    recipient="BROKER01",
    control_reference="C0000000000042",
    prepared=dt.datetime(2026, 11, 20, 9, 30),
    fallback_reference="F42",
)


def contrl_for(data: bytes, *, duplicate: bool = False) -> tuple[str, Interchange]:
    """The CONTRL text for `data`, and the CONTRL as our parser reads it back."""
    answer = render_contrl(parse_interchange(data, expected_sender="BROKER01"), ENVELOPE, duplicate=duplicate)
    return answer.decode("latin_1"), parse_interchange(
        answer, expected_sender="CARM", expected_recipient="BROKER01"
    )


def test_an_accepted_interchange_is_acknowledged_with_action_7() -> None:
    text, parsed = contrl_for(interchange(message("1"), message("2")))
    assert text == (
        "UNB+UNOC:3+CARM:ZZZ+BROKER01:ZZZ+261120:0930+C0000000000042'"
        "UNH+1+CONTRL:D:3:UN'"
        "UCI+REF1+BROKER01:ZZZ+CARM:ZZZ+7'"
        "UNT+3+1'"
        "UNZ+1+C0000000000042'"
    )
    assert parsed.accepted and all(m.accepted for m in parsed.messages) and parsed.is_contrl


def test_a_message_with_a_wrong_segment_count_is_rejected_alone_with_its_position() -> None:
    broken = message("2")
    broken[-1] = "UNT+9+2"
    text, parsed = contrl_for(interchange(message("1"), broken))
    assert "UCI+REF1+BROKER01:ZZZ+CARM:ZZZ+7'" in text
    assert "UCM+2+CUSDEC:D:16A:UN+4'UCS+5+29'UCD+29+1'" in text
    assert "UCM+1+" not in text
    assert parsed.accepted and all(m.accepted for m in parsed.messages)


def test_an_envelope_error_rejects_the_interchange_with_its_code() -> None:
    text, parsed = contrl_for(interchange(message("1")).replace(b"+CARM:ZZZ+", b"+OTHER:ZZZ+"))
    assert "UCI+REF1+BROKER01:ZZZ+CARM:ZZZ+4+7'" in text
    assert "UCM" not in text
    assert parsed.accepted


def test_a_duplicate_is_received_with_code_26() -> None:
    text, parsed = contrl_for(interchange(message("1")), duplicate=True)
    assert "UCI+REF1+BROKER01:ZZZ+CARM:ZZZ+8+26'" in text
    assert parsed.accepted


def test_bytes_with_no_interchange_get_a_rejection_under_the_fallback_reference() -> None:
    text, parsed = contrl_for(b"MSH|^~\\&|not EDIFACT")
    assert "UCI+F42+BROKER01:ZZZ+CARM:ZZZ+4+13'" in text
    assert parsed.accepted


def test_released_characters_in_their_references_are_escaped_in_ours() -> None:
    data = interchange(message("1"), reference="A?+B")
    text, parsed = contrl_for(data)
    assert "UCI+A?+B+BROKER01:ZZZ" in text
    assert parsed.accepted
