"""The tokenizer: service string advice, release character, repetitions, line breaks, windows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import tokenizer
from parsers.model import ServiceStringAdvice
from parsers.segments import SegmentSequence, SegmentStore
from parsers.tokenizer import Tokens, tokenize
from tests.parsers import reference


def segments_of(data: bytes) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    tokens = tokenize(data)
    return [(s.tag, s.elements) for s in SegmentSequence(_store(tokens), 0, len(tokens))]


def _store(tokens: Tokens) -> SegmentStore:
    return SegmentStore(
        data=tokens.data, starts=tokens.starts, ends=tokens.ends, codec="latin_1", advice=tokens.advice
    )


def spans(tokens: Tokens) -> list[tuple[int, int]]:
    return list(zip(tokens.starts, tokens.ends, strict=True))


def test_default_service_characters_apply_when_there_is_no_una() -> None:
    tokens = tokenize(b"UNB+UNOC:3+A'UNZ+0+1'")
    assert tokens.advice == ServiceStringAdvice()
    assert not tokens.has_una
    assert segments_of(b"UNB+UNOC:3+A'UNZ+0+1'") == [
        ("UNB", (("UNOC", "3"), ("A",))),
        ("UNZ", (("0",), ("1",))),
    ]


@pytest.mark.parametrize(
    ("una", "text", "expected"),
    [
        (":+.? '", "FTX+A:B'", ("A", "B")),
        ("=*.? ~", "FTX*A=B~", ("A", "B")),  # StAEDI invoic_d97b_una.edi
        ("^*.? $", "FTX*A^B$", ("A", "B")),  # EDIReader tiny-syntaxVariants
        ("|-,!_#", "FTX-A|B#", ("A", "B")),  # Apfelfrisch custom-una.txt
        (":+.\\ '", "FTX+A\\+1:B'", ("A+1", "B")),  # backslash release (StAEDI pnrgov.edi)
    ],
)
def test_una_may_advise_any_service_characters(una: str, text: str, expected: tuple[str, ...]) -> None:
    data = f"UNA{una}{text}".encode("latin_1")
    assert segments_of(data) == [("FTX", (expected,))]
    assert tokenize(data).advice.segment_terminator == una[5]


def test_an_unusable_una_is_reported_and_the_rest_read_with_the_default_characters() -> None:
    tokens = tokenize(b"UNA:+.N 'UNB+UNOC:3+A'")  # release character N: a tag could hold it
    assert [problem.code for problem in tokens.una_problems] == ["20"]
    assert tokens.advice == ServiceStringAdvice()
    assert segments_of(tokens.data) == [("UNB", (("UNOC", "3"), ("A",)))]


def test_the_decimal_mark_of_the_una_is_recorded() -> None:
    assert tokenize(b"UNA:+,? 'UNB+UNOC:3'").advice.decimal_mark == ","
    assert tokenize(b"UNA:+.? 'UNB+UNOC:3'").advice.decimal_mark == "."


def test_a_space_in_the_una_release_position_means_there_is_no_release_character() -> None:
    data = b"UNA:+. *'FTX+A?'"
    assert tokenize(data).advice.release_character is None
    assert segments_of(data) == [("FTX", (("A?",),))]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("FTX+NO MORE FLIGHTS 2??'", "NO MORE FLIGHTS 2?"),
        ("FTX+NO MORE ?' FLIGHTS 3'", "NO MORE ' FLIGHTS 3"),
        ("FTX+NO MORE ???' FLIGHTS 3'", "NO MORE ?' FLIGHTS 3"),
        ("FTX+FIELD 1???+FIELD 2'", "FIELD 1?+FIELD 2"),
        ("FTX+FIELD 1.1???:FIELD 1.2'", "FIELD 1.1?:FIELD 1.2"),
        ("FTX+?A?B'", "AB"),  # a release before an ordinary character is dropped (as pydifact does)
    ],
)
def test_the_release_character_escapes_the_separators_and_itself(text: str, value: str) -> None:
    # cases from php-edifact's example_release_character.edi
    assert segments_of(text.encode()) == [("FTX", ((value,),))]


def test_a_released_terminator_before_una_text_keeps_everything_before_it() -> None:
    # pydifact looks for "'UNA" anywhere and drops what precedes a released "?'UNA"
    data = b"UNB+UNOC:3+A'FTX+SEE ?'UNA?:?+.?? ?' ABOVE'"
    assert segments_of(data)[1] == ("FTX", (("SEE 'UNA:+.? ' ABOVE",),))


def test_star_is_the_repetition_separator_in_syntax_4_only() -> None:
    syntax_4 = tokenize(b"UNB+UNOC:4+A'ATT+2++M*F:X'")
    syntax_3 = tokenize(b"UNB+UNOC:3+A'ATT+2++M*F:X'")
    assert syntax_4.advice.repetition_separator == "*"
    assert syntax_3.advice.repetition_separator is None
    att = _store(syntax_4).segment(1)
    assert att.elements[2] == ("M",)
    assert att.occurrences(3) == (("M",), ("F", "X"))
    assert _store(syntax_3).segment(1).elements[2] == ("M*F", "X")


def test_a_una_repetition_separator_is_used_in_syntax_4_and_ignored_in_syntax_3() -> None:
    assert tokenize(b"UNA:+.?#'UNB+UNOC:4'").advice.repetition_separator == "#"
    assert tokenize(b"UNA:+.?#'UNB+UNOC:3'").advice.repetition_separator is None


def test_a_utf8_bom_is_skipped_and_offsets_stay_file_offsets() -> None:
    data = b"\xef\xbb\xbfUNA:+.? 'UNB+UNOC:3+A'UNZ+0+1'"
    tokens = tokenize(data)
    assert tokens.has_una
    assert tokens.starts[0] == 12
    assert data[tokens.starts[1] : tokens.ends[1]] == b"UNZ+0+1"


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r", b"\r\n\r\n"])
def test_line_breaks_between_segments_are_skipped_and_lines_counted(newline: bytes) -> None:
    data = newline.join([b"UNA:+.? '", b"UNB+UNOC:3+A'", b"UNH+1+X:D:1:UN'", b"UNZ+0+1'", b""])
    tokens = tokenize(data)
    assert [data[s:e] for s, e in spans(tokens)] == [b"UNB+UNOC:3+A", b"UNH+1+X:D:1:UN", b"UNZ+0+1"]
    assert not tokens.broken and not tokens.unterminated
    lines = [segment.line for segment in SegmentSequence(_store(tokens), 0, len(tokens))]
    per_line = newline.count(b"\n")
    assert lines == [1 + per_line, 1 + 2 * per_line, 1 + 3 * per_line]


def test_a_line_break_inside_a_segment_is_kept_as_data_and_noted() -> None:
    tokens = tokenize(b"UNB+UNOC:3+A'FTX+AB\nCD'UNZ+0+1'")
    assert segments_of(tokens.data)[1] == ("FTX", (("AB\nCD",),))
    assert [_store(tokens).index_at(offset) for offset in tokens.broken] == [1]


def test_level_b_information_separators_are_recognised_without_una() -> None:
    data = b"UNB\x1dUNOB\x1f3\x1dA\x1cUNZ\x1d0\x1d1\x1c"
    tokens = tokenize(data)
    assert tokens.syntax_identifier == "UNOB"
    assert segments_of(data) == [("UNB", (("UNOB", "3"), ("A",))), ("UNZ", (("0",), ("1",)))]


def test_the_syntax_identifier_is_peeked_from_the_raw_unb() -> None:
    tokens = tokenize(b"UNA:+.? '\r\nUNB+UNOD:3+A'")
    assert (tokens.syntax_identifier, tokens.syntax_version) == ("UNOD", "3")
    assert tokenize(b"UNH+1+X'").syntax_identifier == ""


def test_service_segments_and_malformed_tags_are_noted() -> None:
    tokens = tokenize(b"UNB+UNOC:3'UNH+1'\tFTX+A'Ftx+B'SEG1+C''UNT+2+1'UNZ+1+1'")
    assert list(tokens.service()) == [(0, "UNB"), (1, "UNH"), (6, "UNT"), (7, "UNZ")]
    assert list(tokens.bad_tags) == [2, 3, 4, 5]  # tab-indented, lower case, four letters, empty


def test_text_after_the_last_terminator_is_an_unterminated_segment() -> None:
    tokens = tokenize(b"UNB+UNOC:3'UNZ+0+1\r\n")
    assert tokens.unterminated
    assert tokens.data[tokens.starts[-1] : tokens.ends[-1]] == b"UNZ+0+1"
    assert not tokenize(b"UNB+UNOC:3'UNZ+0+1'\r\n\r\n").unterminated


def test_a_file_with_more_segments_than_its_size_allows_is_read_no_further() -> None:
    data = b"UNB+UNOC:3+A'" + b"'" * 20_000
    tokens = tokenize(data)
    assert tokens.abandoned is not None
    assert len(tokens) <= len(data) // tokenizer.MIN_SEGMENT + 1024


TEXT = st.text(alphabet="AB1+:?'*\r\n ", max_size=300)


@given(TEXT)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_the_tokenizer_agrees_with_a_character_by_character_reader(text: str) -> None:
    data = text.encode("latin_1")
    tokens = tokenize(data)
    if tokens.has_una:
        return
    expected, unterminated = reference.segment_spans(text, 0, "'", "?", "\r\n")
    assert spans(tokens) == expected
    assert tokens.unterminated == unterminated
    store = _store(tokens)
    for index, (start, end) in enumerate(expected):
        tag, elements, repetitions = reference.split(text[start:end], "+", ":", "?", None)
        segment = store.segment(index)
        assert (segment.tag, segment.elements, segment.repetitions) == (tag, elements, repetitions)
    with_breaks = {k for k, (s, e) in enumerate(expected) if "\r" in text[s:e] or "\n" in text[s:e]}
    assert {store.index_at(offset) for offset in tokens.broken} == with_breaks


@given(TEXT, st.sampled_from([1, 2, 3, 7, 64]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_window_boundaries_change_nothing(monkeypatch: pytest.MonkeyPatch, text: str, window: int) -> None:
    data = b"UNB+UNOC:4+A'" + text.encode("latin_1")
    expected = tokenize(data)
    with monkeypatch.context() as patch:
        patch.setattr(tokenizer, "WINDOW", window)
        patch.setattr(tokenizer, "FIRST_WINDOW", window)
        patch.setattr(tokenizer, "MIN_WINDOW", 1)
        small = tokenize(data)
    assert spans(small) == spans(expected)
    assert list(small.service()) == list(expected.service())
    assert list(small.bad_tags) == list(expected.bad_tags)
    assert sorted({_store(small).index_at(o) for o in small.broken}) == sorted(
        {_store(expected).index_at(o) for o in expected.broken}
    )
    assert small.unterminated == expected.unterminated


def test_a_released_terminator_exactly_at_a_window_boundary_is_honoured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = b"UNB+UNOC:3+A'FTX+AB?'CD??'UNZ+0+1'"
    for window in range(1, len(data)):
        monkeypatch.setattr(tokenizer, "WINDOW", window)
        monkeypatch.setattr(tokenizer, "FIRST_WINDOW", window)
        monkeypatch.setattr(tokenizer, "MIN_WINDOW", 1)
        assert segments_of(data)[1] == ("FTX", (("AB'CD?",),)), window
