"""The element tables of UNB/UNH/UNT/UNZ, and the fast pattern that must agree with them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.model import ServiceStringAdvice
from parsers.segments import new_segment
from parsers.service_segments import SPECS, check_service_segment, clean_pattern
from parsers.splitter import Splitter
from parsers.tokenizer import tokenize

SPLITTER = Splitter(ServiceStringAdvice())


def problems(text: str, version: str = "3") -> list[tuple[str, int | None, int | None]]:
    tag, elements, _ = SPLITTER.split(text)
    segment = new_segment(tag, elements, 1, 0, 1, ())
    return [(p.code, p.element, p.component) for p in check_service_segment(segment, version)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UNT+12+1", []),
        ("UNT+12", [("13", 2, None)]),
        ("UNT+1234567+1", [("39", 1, None)]),
        ("UNT+X+1", [("37", 1, None)]),
        ("UNT+1+1+1", [("16", 3, None)]),
        ("UNT+1*2+1", [("37", 1, None)]),  # '*' is data in syntax 3...
        ("UNH+1+CUSDEC:D:16A:UN:CAD10", []),
        ("UNH+1+CUSDEC:D:16A", [("13", 2, 4)]),
        ("UNH+1+CUSDEC:D:16A:UN:CAD10:X", [("16", 2, 6)]),
        ("UNB+UNOC:3+A+B+261120:1430+R", []),
        ("UNB+UNO1:3+A+B+261120:1430+R", [("37", 1, 1)]),
        ("UNB+UNOC:3+A+B+261120:143+R", [("40", 4, 2)]),
        ("UNB+UNOC:3+A+B+261120:1430+R+PW:ABC", [("39", 6, 2)]),
    ],
)
def test_service_segments_are_checked_against_their_element_tables(
    text: str, expected: list[tuple[str, int | None, int | None]]
) -> None:
    assert problems(text) == expected


def test_a_repeated_service_element_is_code_16() -> None:
    splitter = Splitter(ServiceStringAdvice(repetition_separator="*"))
    tag, elements, repetitions = splitter.split("UNT+1*2+1")
    segment = new_segment(tag, elements, 1, 0, 1, repetitions)
    assert [(p.code, p.element) for p in check_service_segment(segment, "4")] == [("16", 1)]


def test_syntax_4_widens_unt_counts_and_adds_s009_components() -> None:
    assert problems("UNT+1234567+1", "4") == []
    assert problems("UNH+1+CUSDEC:D:16A:UN:CAD10:1:2", "4") == []


def test_every_table_covers_syntax_3_and_4() -> None:
    assert {tag for tag, _ in SPECS} == {"UNB", "UNH", "UNT", "UNZ"}


VALUE = st.text(alphabet="AB19:+", max_size=16)


@given(
    st.sampled_from(["UNB", "UNH", "UNT", "UNZ"]), st.sampled_from(["3", "4"]), st.lists(VALUE, max_size=13)
)
@settings(max_examples=2000)
def test_the_fast_pattern_matches_exactly_when_the_element_check_finds_nothing(
    tag: str, version: str, values: list[str]
) -> None:
    text = "+".join([tag, *values])
    assert (clean_pattern(tag, version, "+", ":").fullmatch(text) is not None) == (
        problems(text, version) == []
    )
    assert len(tokenize(text.encode()).starts) == 1
