"""Writing EDIFACT: our escaping and truncation give exactly the bytes pydifact's serializer writes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from outbound.edifact import SERIALIZER, OutElement, OutSegment, escape, render

SERVICE_CHARACTERS = "?:+'"  # release character, component and element separators, segment terminator
TEXT = st.text(alphabet=f"{SERVICE_CHARACTERS}AZ09 .,-é", max_size=8)
ELEMENT = st.one_of(TEXT, st.lists(TEXT, max_size=4))
SEGMENT = st.tuples(st.sampled_from(["FTX", "MOA", "TAX", "UNH"]), st.lists(ELEMENT, max_size=6))


@pytest.mark.parametrize(
    "text",
    ["", "CUD", "1950.00", *SERVICE_CHARACTERS, SERVICE_CHARACTERS, "A?+B", "it's 5:30 + ?", "??''::++"],
)
def test_the_fast_path_escapes_every_service_character_as_the_full_escape_does(text: str) -> None:
    assert escape(text) == SERIALIZER.escape(text)


@given(TEXT)
def test_escaping_any_text_agrees_with_pydifact(text: str) -> None:
    assert escape(text) == SERIALIZER.escape(text)


def test_trailing_empty_components_and_elements_are_left_out_and_inner_ones_kept() -> None:
    segments: list[OutSegment] = [
        ("FTX", ["AAO", "", "", ["a:b", "", ""], ""]),
        ("TAX", ["1", "CUD", "", "", []]),
        ("CNT", ["", ["", ""]]),
        ("RFF", [["", "b"], "", "c'"]),
    ]
    assert render(segments) == b"FTX+AAO+++a?:b'TAX+1+CUD'CNT'RFF+:b++c?''"


def truncated(elements: list[OutElement]) -> list[OutElement]:
    """ISO 9735 truncation, which pydifact leaves to its caller: no trailing empty components or elements."""
    kept: list[OutElement] = []
    for element in elements:
        if isinstance(element, list):
            element = list(element)
            while element and element[-1] == "":
                element.pop()
        kept.append(element)
    while kept and kept[-1] in ("", []):
        kept.pop()
    return kept


@given(st.lists(SEGMENT, max_size=6))
@settings(max_examples=300)
@pytest.mark.filterwarnings("ignore:Segment .* is empty:SyntaxWarning")  # pydifact's, on tag-only segments
def test_rendered_segments_are_what_pydifact_serializes_after_truncation(
    segments: list[tuple[str, list[OutElement]]],
) -> None:
    expected = Serializer().serialize(
        [Segment(tag, *truncated(elements)) for tag, elements in segments], with_una_header=False
    )
    assert render(segments) == expected.encode("latin_1")
