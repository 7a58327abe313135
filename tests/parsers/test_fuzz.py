"""Fuzzing `parse_interchange` with mutated valid interchanges, and its running time on huge shapes.

Mutations: byte flips, insertions (of service characters, line breaks, random bytes), deletions,
truncations, duplicated slices, and swapping one service character for another. Whatever comes out, the
parser must return an `Interchange` whose findings point at segments that exist. The default run is modest
(2,000 examples); set CARM_FUZZ_EXAMPLES=100000 for a long run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.codes import SyntaxErrorCode
from parsers.envelope import parse_interchange
from parsers.model import Interchange
from parsers.tokenizer import tokenize
from tests.parsers.interchanges import SENDER, interchange, message

EXAMPLES = int(os.environ.get("CARM_FUZZ_EXAMPLES", "2000"))
SEEDS = (
    interchange(message("1"), message("2")),
    interchange(message("1", "FTX+AAA+++A?+B?:C??D?'E", "MOA+40:12,50:USD"), una=":+,? '", newline="\r\n"),
    interchange(
        message("7", "ATT+2++M*F*X", "FTX+AAA+++É"), syntax="UNOC:4", prepared="20261120:1430", una=None
    ),
    b"UNA=*.? ~UNB*UNOA=3*BROKER01=ZZZ*CARM=ZZZ*261120=1430*REF1**CAD~UNH*1*CUSDEC=D=16A=UN=CAD10~BGM*929~"
    b"UNT*3*1~UNZ*1*REF1~",
)
SERVICE = b"'+:?*\r\n\x1c\x1d\x1f=~ "
VALID_CODES = {code.value for code in SyntaxErrorCode}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate", "swap"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(
                st.binary(min_size=1, max_size=4) | st.sampled_from([bytes([b]) for b in SERVICE])
            )
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 40))]
        else:
            old, new = draw(st.sampled_from(SERVICE)), draw(st.sampled_from(SERVICE))
            data = bytearray(data.replace(bytes([old]), bytes([new])))
    return bytes(data)


def test_the_seeds_are_accepted() -> None:
    for seed in SEEDS:
        result = parse_interchange(seed, expected_sender=SENDER)
        assert result.accepted and all(m.accepted for m in result.messages), seed


@given(mutated())
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_interchanges_never_raise_and_findings_point_at_real_segments(data: bytes) -> None:
    result = parse_interchange(data, expected_sender=SENDER)
    assert isinstance(result, Interchange)
    count = len(tokenize(data))
    for finding in result.findings:
        assert (
            finding.code in VALID_CODES and finding.message_ref is None and finding.segment_position is None
        )
        assert finding.interchange_index is None or 1 <= finding.interchange_index <= count
        assert (finding.element_position or 1) >= 1 and (finding.component_position or 1) >= 1
    for m in result.messages:
        assert m.segments[0].tag == "UNH" and 1 <= len(m.segments) <= count
        for finding in m.findings:
            assert finding.code in VALID_CODES and finding.message_ref == m.reference
            if finding.segment_position is not None:
                segment = m.segments[finding.segment_position - 1]
                assert segment.index == finding.interchange_index
                if finding.code == SyntaxErrorCode.INVALID_CHARACTER:  # a character that is there
                    assert (finding.element_position or 1) <= max(len(segment.elements), 1)
    if result.accepted and all(m.accepted for m in result.messages):
        assert result.readable and result.messages


@given(mutated())
@settings(max_examples=max(EXAMPLES // 10, 50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parsing_is_deterministic(data: bytes) -> None:
    assert parse_interchange(data, expected_sender=SENDER) == parse_interchange(data, expected_sender=SENDER)


def best_of(runs: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


HEAD = b"UNB+UNOC:3+BROKER01:ZZZ+CARM:ZZZ+261120:1430+REF1++CAD'UNH+1+CUSDEC:D:16A:UN:CAD10'FTX+AAA+++"
TAIL = b"'UNT+3+1'UNZ+1+REF1'"


@pytest.mark.parametrize(
    ("shape", "small_mib", "factor"),
    [
        (b"A", 1, 16),  # one 16 MiB segment
        (b"AB:", 1, 16),  # one segment of five million components
        (b"?+", 1, 16),  # released separators all along
        (b"\n", 1, 16),  # line breaks inside one segment
        (b"?'", 0.25, 16),  # released terminators: the slowest shape, hence smaller
        (b"X'", 0.25, 16),  # minimal segments, till the tokenizer stops reading
    ],
)
def test_parsing_time_grows_linearly_with_the_input(shape: bytes, small_mib: float, factor: int) -> None:
    def build(mib: float) -> bytes:
        return HEAD + shape * int(mib * (1 << 20) / len(shape)) + TAIL

    small, large = build(small_mib), build(small_mib * factor)
    small_time = best_of(3, lambda: parse_interchange(small, expected_sender=SENDER))
    large_time = best_of(2, lambda: parse_interchange(large, expected_sender=SENDER))
    # linear would be `factor`; quadratic 16 times that. The margin absorbs a shared, noisy machine.
    assert large_time < 3 * factor * max(small_time, 0.005), (small_time, large_time)
