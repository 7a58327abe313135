"""The structure checker walks a message through a segment table the way EDIFACT translators do."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import overload

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.codes import SyntaxErrorCode
from parsers.cusdec_table import CAD10, CUSDEC_D16A
from parsers.model import Message, Segment
from parsers.structure import (
    GroupEntry,
    MessageTable,
    Placement,
    SegmentEntry,
    Status,
    check_structure,
    place_segments,
)
from tests.cad10_example import example, message_from_text

M, C = Status.MANDATORY, Status.CONDITIONAL
MINIMAL = "UNH+1+CUSDEC:D:16A:UN:CAD10'BGM+929'UNS+D'UNS+S'UNT+5+1'"


def message(*tags: str) -> Message:
    """A message of bare segments with these tags (UNH, UNT included when given)."""
    segments = tuple(Segment(tag=tag, elements=(), index=n + 1, offset=0) for n, tag in enumerate(tags))
    return Message(
        reference="7",
        message_type="CUSDEC",
        version="D",
        release="16A",
        agency="UN",
        association_code="CAD10",
        segments=segments,
    )


def summary(findings: Sequence[object]) -> list[tuple[str, int | None, str | None]]:
    return [(f.code, f.segment_position, f.segment_tag) for f in findings]  # type: ignore[attr-defined]


def test_the_mig_example_conforms_to_d16a_and_to_the_guide_subset() -> None:
    assert check_structure(example(), CUSDEC_D16A) == ()
    assert check_structure(example(), CAD10) == ()


def test_the_smallest_d16a_cusdec_conforms() -> None:
    assert check_structure(message_from_text(MINIMAL), CUSDEC_D16A) == ()


def test_a_missing_mandatory_segment_is_code_13_at_the_last_segment_before_the_gap() -> None:
    findings = check_structure(message("UNH", "UNS", "UNS", "UNT"), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.MISSING, 1, "BGM")]
    assert findings[0].message_ref == "7"
    assert findings[0].interchange_index == 1  # the UNH's place in the file


def test_a_message_cut_short_misses_its_trailer_at_its_last_segment() -> None:
    findings = check_structure(message("UNH", "BGM", "UNS", "UNS"), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.MISSING, 4, "UNT")]


def test_a_segment_d16a_does_not_know_is_code_15_and_the_walk_goes_on() -> None:
    findings = check_structure(message("UNH", "BGM", "XYZ", "UNS", "UNS", "UNT"), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, 3, "XYZ")]


def test_a_segment_out_of_order_is_code_15() -> None:
    findings = check_structure(message("UNH", "BGM", "DTM", "LOC", "UNS", "UNS", "UNT"), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, 4, "LOC")]


def test_a_group_is_entered_only_by_its_trigger() -> None:
    # TPL belongs to SG4, which only TDT opens.
    findings = check_structure(message("UNH", "BGM", "TPL", "UNS", "UNS", "UNT"), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, 3, "TPL")]


def test_a_segment_used_by_the_guide_d16a_allows_elsewhere_is_accepted() -> None:
    # GEI (Pos 00060) is not in MIG.md §2, but D.16A allows it after DTM: accepted and ignored.
    assert check_structure(message("UNH", "BGM", "DTM", "GEI", "UNS", "UNS", "UNT"), CUSDEC_D16A) == ()
    assert summary(check_structure(message("UNH", "BGM", "DTM", "GEI", "UNS", "UNS", "UNT"), CAD10)) == [
        (SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, 4, "GEI")
    ]


def test_a_segment_repeated_past_its_maximum_is_code_35() -> None:
    tags = ("UNH", "BGM", *["DTM"] * 16, "UNS", "UNS", "UNT")
    findings = check_structure(message(*tags), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.TOO_MANY_SEGMENT_REPETITIONS, 18, "DTM")]


def test_a_group_repeated_past_its_maximum_is_code_36() -> None:
    tags = ("UNH", "BGM", *["TDT"] * 6, "UNS", "UNS", "UNT")  # SG4 may occur 5 times
    findings = check_structure(message(*tags), CUSDEC_D16A)
    assert summary(findings) == [(SyntaxErrorCode.TOO_MANY_GROUP_REPETITIONS, 8, "TDT")]


def test_the_trigger_seen_again_starts_the_next_occurrence_of_its_group() -> None:
    placements = place_segments(message("UNH", "BGM", "RFF", "DTM", "RFF", "NAD", "RFF"), CUSDEC_D16A)
    assert [p.groups for p in placements] == [(), (), ((1, 1),), ((1, 1),), ((1, 2),), ((6, 1),), ((6, 1),)]
    positions = [p.entry.position if p.entry else None for p in placements]
    assert positions[2:] == ["00130", "00140", "00130", "00280", "00290"]


def test_a_line_returns_to_its_level_after_nested_groups_and_the_next_cst_opens_a_new_line() -> None:
    tags = ("UNH", "BGM", "UNS", "CST", "MOA", "RFF", "TAX", "MOA", "MOA", "CST", "FTX", "UNS", "CNT", "UNT")
    placements = place_segments(message(*tags), CUSDEC_D16A)
    groups = [p.groups for p in placements]
    assert groups[3:11] == [
        ((32, 1),),
        ((32, 1), (35, 1)),
        ((32, 1), (37, 1)),
        ((32, 1), (43, 1)),
        ((32, 1), (43, 1)),
        ((32, 1), (43, 1)),
        ((32, 2),),
        ((32, 2),),
    ]
    assert groups[11:] == [(), (), ()]
    assert check_structure(message(*tags), CUSDEC_D16A) == ()


def test_an_innermost_level_takes_a_tag_before_its_parents() -> None:
    # DTM after RFF belongs to SG1 (Pos 00140), not to the header DTM (Pos 00050), which lies behind.
    placements = place_segments(message("UNH", "BGM", "RFF", "DTM"), CUSDEC_D16A)
    assert placements[-1].entry is not None and placements[-1].entry.position == "00140"


TINY = MessageTable(
    message_type="TEST",
    version="D",
    release="16A",
    agency="UN",
    entries=(
        SegmentEntry(position="010", tag="UNH", name="Message header", status=M, max_repeat=1),
        GroupEntry(
            position="020",
            number=1,
            status=M,
            max_repeat=2,
            children=(
                SegmentEntry(position="030", tag="AAA", name="Trigger", status=M, max_repeat=1),
                SegmentEntry(position="040", tag="BBB", name="Required", status=M, max_repeat=1),
                SegmentEntry(position="050", tag="CCC", name="Optional", status=C, max_repeat=3),
            ),
        ),
        SegmentEntry(position="060", tag="UNT", name="Message trailer", status=M, max_repeat=1),
    ),
)


def test_a_mandatory_segment_inside_a_group_is_missed_when_the_group_is_left() -> None:
    findings = check_structure(message("UNH", "AAA", "CCC", "AAA", "BBB", "UNT"), TINY)
    assert summary(findings) == [(SyntaxErrorCode.MISSING, 2, "BBB")]  # CCC skipped over BBB, after AAA (2)
    findings = check_structure(message("UNH", "AAA", "UNT"), TINY)
    assert summary(findings) == [(SyntaxErrorCode.MISSING, 2, "BBB")]


def test_a_missing_mandatory_group_is_reported_as_its_trigger_missing() -> None:
    findings = check_structure(message("UNH", "UNT"), TINY)
    assert summary(findings) == [(SyntaxErrorCode.MISSING, 1, "AAA")]
    assert "segment group 1" in findings[0].text


def test_an_empty_message_misses_its_header_without_a_position() -> None:
    findings = check_structure(message(), TINY)
    assert summary(findings)[0] == (SyntaxErrorCode.MISSING, None, "UNH")


def test_findings_stop_at_the_limit_with_a_last_one_saying_more_were_left_out() -> None:
    findings = check_structure(
        message("UNH", "BGM", *["XYZ"] * 500, "UNS", "UNS", "UNT"), CUSDEC_D16A, limit=100
    )
    assert len(findings) == 101
    assert summary(findings[-2:]) == [
        (SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, 102, "XYZ"),
        (SyntaxErrorCode.UNSPECIFIED, None, None),
    ]
    three_and_three = message("UNH", "BGM", *["XYZ"] * 3)  # 3 code 15, then UNS, UNS and UNT missing
    assert len(check_structure(three_and_three, CUSDEC_D16A, limit=4)) == 5


def test_placements_built_by_the_walk_equal_those_built_by_keyword() -> None:
    placed = place_segments(message("UNH", "BGM", "RFF"), CUSDEC_D16A)[-1]
    expected = Placement(segment=placed.segment, position=3, entry=placed.entry, groups=((1, 1),))
    assert placed == expected and hash(placed) == hash(expected) and repr(placed) == repr(expected)


def test_each_table_is_walked_by_its_own_entries_however_many_are_built() -> None:
    # The walk prepares a table's levels once and keeps a few: tables built on the fly must not get another's.
    for maximum in range(1, 20):
        entries = (*TINY.entries[:1], replace(TINY.entries[1], max_repeat=maximum), *TINY.entries[2:])
        table = replace(TINY, entries=entries)
        findings = check_structure(message("UNH", *["AAA", "BBB"] * 3, "UNT"), table)
        over = range(maximum + 1, 4)  # the occurrences past the maximum, each at its AAA (2, 4, 6)
        expected = [(SyntaxErrorCode.TOO_MANY_GROUP_REPETITIONS, 2 * n, "AAA") for n in over]
        assert summary(findings) == expected


class CountingSegments(Sequence[Segment]):
    """A lazily built segment sequence, like the parser's, that counts how often segments are read."""

    def __init__(self, tags: Sequence[str]) -> None:
        self._tags = tags
        self.reads = 0

    def __len__(self) -> int:
        return len(self._tags)

    @overload
    def __getitem__(self, index: int) -> Segment: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Segment]: ...
    def __getitem__(self, index: int | slice) -> Segment | Sequence[Segment]:
        if isinstance(index, slice):
            raise NotImplementedError
        return self._segment(index)

    def __iter__(self) -> Iterator[Segment]:
        return (self._segment(index) for index in range(len(self._tags)))

    def _segment(self, index: int) -> Segment:
        self.reads += 1
        return Segment(tag=self._tags[index], elements=(), index=index + 1, offset=0)


def test_a_large_message_is_read_once_in_linear_time() -> None:
    line = ["CST", "FTX", "LOC", "DTM", "MEA", "MOA", "RFF", "TAX", "MOA", "TAX"]
    tags = ["UNH", "BGM", "UNS", *line * 20_000, "UNS", "CNT", "UNT"]
    segments = CountingSegments(tags)
    started = time.perf_counter()
    findings = check_structure(
        Message(
            reference="1",
            message_type="CUSDEC",
            version="D",
            release="16A",
            agency="UN",
            association_code="CAD10",
            segments=segments,
        ),
        CUSDEC_D16A,
    )
    assert findings == ()
    assert segments.reads == len(tags)
    assert time.perf_counter() - started < 10  # ~0.5 s: a quadratic walk would take hours


TAGS = st.sampled_from(
    ["UNH", "BGM", "LOC", "DTM", "RFF", "TDT", "NAD", "UNS", "CST", "FTX", "MOA", "TAX", "XYZ"]
)


@settings(max_examples=300)
@given(st.lists(TAGS, max_size=60))
def test_any_segment_list_gets_findings_with_positions_inside_the_message(tags: list[str]) -> None:
    findings = check_structure(message(*tags), CUSDEC_D16A)
    for finding in findings:
        assert finding.code in {"13", "15", "35", "36"}
        assert finding.segment_position is None or 0 < finding.segment_position <= len(tags)
    assert len(place_segments(message(*tags), CUSDEC_D16A)) == len(tags)
