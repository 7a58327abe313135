"""The checked-in CUSDEC D.16A table is exactly what the generator derives from the UNECE message text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parsers import cusdec_table
from parsers.cusdec_table import CAD10, CUSDEC_D16A
from parsers.generate_cusdec_table import (
    CAD10_POSITIONS,
    TableFormatError,
    main,
    parse_segment_table,
    render_module,
    restrict,
)
from parsers.structure import Entry, GroupEntry, MessageTable, SegmentEntry, Status

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO.parent / "shared/ext/smooks__smooks-edi-cartridge/unece/d16a/CUSDEC_D.16A"
SOURCE_NAME = "../shared/ext/smooks__smooks-edi-cartridge/unece/d16a/CUSDEC_D.16A"


def entries(table: MessageTable | GroupEntry) -> Iterator[Entry]:
    for entry in table.entries if isinstance(table, MessageTable) else table.children:
        yield entry
        if isinstance(entry, GroupEntry):
            yield from entries(entry)


def group(table: MessageTable, number: int) -> GroupEntry:
    return next(e for e in entries(table) if isinstance(e, GroupEntry) and e.number == number)


@pytest.fixture(scope="module")
def derived() -> MessageTable:
    return parse_segment_table(SOURCE.read_text(encoding="ascii"))


def test_the_checked_in_table_equals_the_one_derived_from_the_unece_text(derived: MessageTable) -> None:
    assert derived == CUSDEC_D16A
    assert restrict(derived, CAD10_POSITIONS) == CAD10


def test_the_checked_in_module_is_the_generator_output_unedited(derived: MessageTable) -> None:
    expected = render_module(derived, restrict(derived, CAD10_POSITIONS), SOURCE_NAME)
    assert Path(cusdec_table.__file__).read_text(encoding="utf-8") == expected


def test_the_generator_command_writes_the_module(tmp_path: Path) -> None:
    output = tmp_path / "cusdec_table.py"
    assert main([str(SOURCE), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == Path(cusdec_table.__file__).read_text(encoding="utf-8")


def test_the_table_has_every_position_of_d16a_from_unh_to_unt() -> None:
    positions = [entry.position for entry in entries(CUSDEC_D16A)]
    assert positions == [f"{number:05d}" for number in range(10, 2180, 10)]
    assert [e.number for e in entries(CUSDEC_D16A) if isinstance(e, GroupEntry)] == list(range(1, 53))
    assert (CUSDEC_D16A.message_type, CUSDEC_D16A.version, CUSDEC_D16A.release) == ("CUSDEC", "D", "16A")


def test_groups_are_nested_as_the_box_draws_them() -> None:
    line = group(CUSDEC_D16A, 32)
    assert (line.position, line.status, line.max_repeat, line.tag) == (
        "01370",
        Status.CONDITIONAL,
        99999,
        "CST",
    )
    nested = [e.number for e in line.children if isinstance(e, GroupEntry)]
    assert nested == [33, 35, 37, 39, 40, 41, 42, 43, 44, 46]
    assert [e.number for e in group(CUSDEC_D16A, 37).children if isinstance(e, GroupEntry)] == [38]
    assert [e.number for e in group(CUSDEC_D16A, 11).children if isinstance(e, GroupEntry)][-1] == 31
    top = [e.number for e in CUSDEC_D16A.entries if isinstance(e, GroupEntry)]
    assert top == [1, 4, 5, 6, 7, 8, 10, 11, 32, 51, 52]


def test_segment_entries_keep_status_and_repeats() -> None:
    header_dtm = next(e for e in CUSDEC_D16A.entries if isinstance(e, SegmentEntry) and e.tag == "DTM")
    assert header_dtm == SegmentEntry(
        position="00050", tag="DTM", name="Date/time/period", status=Status.CONDITIONAL, max_repeat=15
    )
    mandatory = [
        e.tag for e in CUSDEC_D16A.entries if isinstance(e, SegmentEntry) and e.status is Status.MANDATORY
    ]
    assert mandatory == ["UNH", "BGM", "UNS", "UNS", "UNT"]


def test_the_cad10_table_keeps_only_what_the_guide_uses() -> None:
    assert {entry.position for entry in entries(CAD10)} == CAD10_POSITIONS
    header = ["UNH", "BGM", "LOC", "DTM", "RFF", "TDT", "NAD", "UNS"]
    assert [e.tag for e in CAD10.entries] == [*header, "CST", "UNS", "CNT", "TAX", "UNT"]
    assert [e.tag for e in group(CAD10, 32).children] == [
        "CST",
        "FTX",
        "LOC",
        "DTM",
        "MEA",
        "MOA",
        "RFF",
        "TAX",
    ]


def test_restricting_to_an_unknown_position_or_a_group_without_its_trigger_is_refused() -> None:
    with pytest.raises(TableFormatError, match="99999"):
        restrict(CUSDEC_D16A, frozenset({"00010", "99999"}))
    with pytest.raises(TableFormatError, match="without its trigger"):
        restrict(CUSDEC_D16A, frozenset({"00120", "00140"}))


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("00130   RFF Reference                                M   1                ||", "does not match"),
        ("00190   PCI Package identification                   C   1--------------++|", "does not match"),
        ("00130   RFF Reference                                M   one              |", "cannot read"),
    ],
)
def test_a_misdrawn_table_line_stops_the_generator(replacement: str, message: str) -> None:
    text = SOURCE.read_text(encoding="ascii")
    original = [line for line in text.splitlines() if line.startswith(replacement[:5])][-1]  # the table's
    with pytest.raises(TableFormatError, match=message):
        parse_segment_table(text.replace(original, replacement))


def test_a_text_without_a_segment_table_is_refused() -> None:
    header = "\n".join(SOURCE.read_text(encoding="ascii").splitlines()[:45])
    with pytest.raises(TableFormatError, match="no segment table"):
        parse_segment_table(header)
    with pytest.raises(TableFormatError, match="header lacks"):
        parse_segment_table("Pos     Tag Name                                     S   R\n")
