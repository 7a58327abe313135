"""Segments built on access: splitting, positions, the lazy sequence, the fast constructor."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.model import Segment, ServiceStringAdvice
from parsers.segments import SegmentSequence, SegmentStore, new_segment
from parsers.splitter import Splitter
from parsers.tokenizer import tokenize
from tests.parsers import reference

SYNTAX_4 = ServiceStringAdvice(repetition_separator="*")


def store_of(data: bytes) -> SegmentStore:
    tokens = tokenize(data)
    return SegmentStore(
        data=data, starts=tokens.starts, ends=tokens.ends, codec="latin_1", advice=tokens.advice
    )


def test_the_fast_constructor_builds_the_same_frozen_value_as_the_dataclass() -> None:
    built = new_segment("MOA", (("40", "12.00", "USD"),), 7, 120, 3, ())
    expected = Segment(tag="MOA", elements=(("40", "12.00", "USD"),), index=7, offset=120, line=3)
    assert built == expected and hash(built) == hash(expected) and repr(built) == repr(expected)


def test_a_segment_sequence_builds_segments_on_access_and_compares_as_a_sequence() -> None:
    store = store_of(b"UNB+UNOC:3'UNH+1'BGM+929'UNT+3+1'UNZ+1+1'")
    message = SegmentSequence(store, 1, 4)
    assert len(message) == 3 and message[0].tag == "UNH" and message[-1].tag == "UNT"
    assert message == tuple(message) and hash(message) == hash(tuple(message))
    assert message[0] is not message[0]  # not cached: memory stays flat
    assert [s.tag for s in message[1:]] == ["BGM", "UNT"] and message[::2][1].tag == "UNT"
    assert repr(message) == "SegmentSequence(3 segments from index 2)"


def test_segments_know_their_index_offset_and_line() -> None:
    data = b"UNA:+.? '\nUNB+UNOC:3'\r\n\r\nUNH+1'BGM+929'\nUNZ+1+1'"
    store = store_of(data)
    segments = list(SegmentSequence(store, 0, len(store)))
    assert [(s.index, s.tag, s.line) for s in segments] == [
        (1, "UNB", 2),
        (2, "UNH", 4),
        (3, "BGM", 4),
        (4, "UNZ", 5),
    ]
    assert [data[s.offset : s.offset + 3] for s in segments] == [b"UNB", b"UNH", b"BGM", b"UNZ"]
    assert [store.segment(k).line for k in range(4)] == [2, 4, 4, 5]


def test_line_numbers_stay_right_past_the_line_checkpoints() -> None:
    data = b"".join(b"FTX+%d'\n" % k for k in range(1000))
    store = store_of(data)
    assert [store.segment(k).line for k in (0, 63, 64, 255, 256, 999)] == [1, 64, 65, 256, 257, 1000]
    assert [s.line for s in SegmentSequence(store, 500, 503)] == [501, 502, 503]


def test_repeated_short_segments_share_their_split_but_stay_distinct_segments() -> None:
    store = store_of(b"UNS+D'UNS+D'")
    first, second = SegmentSequence(store, 0, 2)
    assert first.elements is second.elements and (first.index, second.index) == (1, 2)


def test_locate_gives_element_and_component_of_a_byte_and_none_in_the_tag() -> None:
    data = b"FTX+AAA+++ONE:T?:WO:THREE'"
    store = store_of(data)
    assert store.locate(0, data.index(b"AAA")) == (1, None)
    assert store.locate(0, data.index(b"WO")) == (4, 2)
    assert store.locate(0, data.index(b"THREE")) == (4, 3)
    assert store.locate(0, 1) == (None, None)
    assert store.tag(0) == "FTX"


SEGMENT_TEXT = st.text(alphabet="AB+:?*", max_size=60)


@given(SEGMENT_TEXT)
@settings(max_examples=500)
def test_splitting_agrees_with_a_character_by_character_reader(text: str) -> None:
    assert Splitter(ServiceStringAdvice()).split(text) == reference.split(text, "+", ":", "?", None)
    assert Splitter(SYNTAX_4).split(text) == reference.split(text, "+", ":", "?", "*")


@given(SEGMENT_TEXT, st.data())
@settings(max_examples=500)
def test_position_counts_the_same_separators_as_splitting(text: str, data: st.DataObject) -> None:
    stop = data.draw(st.integers(0, len(text)))
    if stop > 0 and text[stop - 1] == "?" and (len(text[:stop]) - len(text[:stop].rstrip("?"))) % 2:
        return  # inside a released pair: no position of its own
    splitter = Splitter(SYNTAX_4)
    element, component, composite = splitter.position(text, stop)
    _, elements, repetitions = reference.split(text[:stop], "+", ":", "?", "*")
    assert element == len(elements)
    if elements:
        current = dict(repetitions).get(element, (elements[-1],))[-1]
        assert component == len(current)
        whole = reference.split(text, "+", ":", "?", "*")
        occurrences = dict(whole[2]).get(element, (whole[1][element - 1],))
        assert composite == any(len(occurrence) > 1 for occurrence in occurrences)
