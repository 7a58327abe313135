"""Rendering segments through pydifact's serializer, and reading them back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.model import Segment, ServiceStringAdvice
from parsers.render import render_segments
from parsers.segments import SegmentSequence, SegmentStore
from parsers.tokenizer import tokenize

VALUE = st.text(alphabet="AZ09 .,-?'+:", max_size=8)
ELEMENT = st.lists(VALUE, min_size=1, max_size=4).map(tuple)
# pydifact warns about segments without elements, so every segment here has one
SEGMENT = st.tuples(
    st.sampled_from(["FTX", "MOA", "RFF", "CST"]), st.lists(ELEMENT, min_size=1, max_size=5).map(tuple)
)


def read_back(text: str) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    data = text.encode("latin_1")
    tokens = tokenize(data)
    store = SegmentStore(
        data=data, starts=tokens.starts, ends=tokens.ends, codec="latin_1", advice=tokens.advice
    )
    return [(s.tag, s.elements) for s in SegmentSequence(store, 0, len(store))]


def trimmed(element: tuple[str, ...]) -> tuple[str, ...]:
    """pydifact drops trailing empty components (ISO 9735 allows it)."""
    kept = list(element)
    while len(kept) > 1 and kept[-1] == "":
        kept.pop()
    return tuple(kept) if any(kept) or len(kept) > 1 else ("",)


@given(st.lists(SEGMENT, min_size=1, max_size=6))
@settings(max_examples=500)
def test_rendered_segments_read_back_the_same(
    segments: list[tuple[str, tuple[tuple[str, ...], ...]]],
) -> None:
    values = [
        Segment(tag=tag, elements=elements, index=k, offset=0) for k, (tag, elements) in enumerate(segments)
    ]
    expected = [(tag, tuple(trimmed(e) for e in elements)) for tag, elements in segments]
    assert read_back(render_segments(values)) == expected


def test_other_service_characters_are_escaped_too() -> None:
    advice = ServiceStringAdvice(component_separator="=", element_separator="*", segment_terminator="~")
    segment = Segment(tag="FTX", elements=(("A*B~C=D?",),), index=1, offset=0)
    assert render_segments([segment], advice) == "UNA=*.? ~FTX*A?*B?~C?=D??~"


def test_repetitions_cannot_be_rendered_by_pydifact() -> None:
    segment = Segment(tag="ATT", elements=(("M",),), index=1, offset=0, repetitions=((1, (("M",), ("F",))),))
    with pytest.raises(ValueError, match="repetitions"):
        render_segments([segment])
