"""Generate `parsers/cusdec_table.py` from the UNECE CUSDEC D.16A message text (a parsers-layer build tool).

    python -m parsers.generate_cusdec_table ../shared/ext/smooks__smooks-edi-cartridge/unece/d16a/CUSDEC_D.16A

reads section 4.3.1 "Segment table" of the official message text - the lines `Pos Tag Name S R` and the group
lines `---- Segment group n ---- S R`, nested by the box drawn at their right (a group line ends in `+` then
one `|` per enclosing group; a segment line ends in one `|` per enclosing group, the last segment of a group
in one `+` per group it closes) - and writes the table as Python values, together with its restriction to the
positions MIG.md §2 (association code CAD10) uses. Both the depth drawn by the box and its `+` closings are
read and must agree, so a misread line stops the generator instead of silently re-nesting a group.
`tests/parsers/test_cusdec_table.py` re-runs the parsing and rendering and compares the result with the
checked-in module. Only `main` touches the file system.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from parsers.structure import Entry, GroupEntry, MessageTable, SegmentEntry, Status

OUTPUT = Path(__file__).with_name("cusdec_table.py")
LINE_LENGTH = 110  # pyproject.toml [tool.ruff] line-length: the output is already `ruff format`-clean

# The D.16A positions MIG.md §2 uses; everything else D.16A allows is accepted and ignored.
CAD10_POSITIONS = frozenset(
    # Header: UNH, BGM, LOC+22/18, DTM+204/137, SG1 RFF+CN/ABE/ACE, SG4 TDT+20, SG6 NAD+IM/DT.
    {"00010", "00020", "00040", "00050", "00120", "00130", "00200", "00210", "00270", "00280"}
    # Detail: UNS+D; SG32 CST, FTX+AAA/ACD, LOC+27/35, DTM+11, MEA+AAE; SG35 MOA+40; SG37 RFF+IV;
    # SG43 TAX+5+CUD/EXC/ADD/SUR and TAX+7+GST with MOA+55/124.
    | {"00480", "01370", "01380", "01390", "01400", "01410", "01420", "01500", "01510", "01550", "01560"}
    | {"01800", "01810", "01820"}
    # Summary: UNS+S, CNT+5, SG51 TAX+9+CUD/GST with MOA+161, UNT.
    | {"02080", "02090", "02100", "02110", "02120", "02170"}
)

_HEADER = re.compile(r"^\s+(Message Type|Version|Release|Contr\. Agency)\s*:\s*(\S+)\s*$")
_TABLE_START = re.compile(r"^Pos\s+Tag\s+Name\s+S\s+R\s*$")
_TABLE_END = re.compile(r"^\d+\.\d")  # the next numbered section heading
# The tail of both: S, R, then the box - dashes to it on a group's line or its last segment's, else spaces.
_TAIL = r"(?P<status>[MC]) +(?P<repeat>\d+)[ -]*(?P<box>[+|]*) *$"
_SEGMENT = re.compile(r"^(?P<pos>\d{5}) +(?P<tag>[A-Z]{3}) (?P<name>\S.*?) +" + _TAIL)
_GROUP = re.compile(r"^(?P<pos>\d{5}) +-+ Segment group (?P<number>\d+) +-+ " + _TAIL)


class TableFormatError(ValueError):
    """The message text does not hold a segment table laid out as the UNECE directories print it."""


@dataclass(slots=True)
class _OpenGroup:
    match: re.Match[str]
    children: list[Entry] = field(default_factory=list)

    def close(self) -> GroupEntry:
        return GroupEntry(
            position=self.match["pos"],
            number=int(self.match["number"]),
            status=Status(self.match["status"]),
            max_repeat=int(self.match["repeat"]),
            children=tuple(self.children),
        )


def parse_segment_table(text: str) -> MessageTable:
    """The segment table of a UNECE message text (e.g. CUSDEC_D.16A).

    Raises:
        TableFormatError: the header or the table is missing, or a line of the table cannot be read.
    """
    lines = text.splitlines()
    header = {match[1]: match[2] for match in map(_HEADER.match, lines[:80]) if match}
    missing = {"Message Type", "Version", "Release", "Contr. Agency"} - header.keys()
    if missing:
        raise TableFormatError(f"message header lacks {', '.join(sorted(missing))}")
    return MessageTable(
        message_type=header["Message Type"],
        version=header["Version"],
        release=header["Release"],
        agency=header["Contr. Agency"],
        entries=_parse_entries(_table_lines(lines)),
    )


def _table_lines(lines: Sequence[str]) -> Iterable[str]:
    starts = [number for number, line in enumerate(lines) if _TABLE_START.match(line)]
    if not starts:
        raise TableFormatError("no segment table (a 'Pos Tag Name S R' heading) found")
    for line in lines[starts[-1] + 1 :]:
        if _TABLE_END.match(line):
            return
        yield line.rstrip()


def _parse_entries(lines: Iterable[str]) -> tuple[Entry, ...]:
    root: list[Entry] = []
    stack: list[_OpenGroup] = []
    for line in lines:
        if not line[:5].isdigit():
            continue  # blank lines, section titles, and box-only spacer lines
        if group := _GROUP.match(line):
            _expect_depth(line, group["box"], "+" + "|" * len(stack))
            stack.append(_OpenGroup(group))
        elif segment := _SEGMENT.match(line):
            closes = segment["box"].count("+")
            _expect_depth(line, segment["box"], "+" * closes + "|" * (len(stack) - closes))
            (stack[-1].children if stack else root).append(_segment_entry(segment))
            for _ in range(closes):
                closed = stack.pop().close()
                (stack[-1].children if stack else root).append(closed)
        else:
            raise TableFormatError(f"cannot read segment table line {line!r}")
    if stack or not root:
        raise TableFormatError("segment table ends inside a group, or holds nothing")
    return tuple(root)


def _expect_depth(line: str, box: str, expected: str) -> None:
    if box != expected:
        raise TableFormatError(f"group box {box!r} does not match the open groups ({expected!r}) in {line!r}")


def _segment_entry(match: re.Match[str]) -> SegmentEntry:
    return SegmentEntry(
        position=match["pos"],
        tag=match["tag"],
        name=match["name"],
        status=Status(match["status"]),
        max_repeat=int(match["repeat"]),
    )


def restrict(table: MessageTable, positions: frozenset[str]) -> MessageTable:
    """The table reduced to the segments and groups at `positions` (a guide's subset), S and R unchanged.

    Raises:
        TableFormatError: a position is not in the table, or a kept group would lose its trigger.
    """
    kept = _restrict(table.entries, positions)
    unknown = positions - {entry.position for entry in _walk(kept)}
    if unknown:
        raise TableFormatError(f"positions {sorted(unknown)} are not in the table or lie in a group not kept")
    return MessageTable(
        message_type=table.message_type,
        version=table.version,
        release=table.release,
        agency=table.agency,
        entries=kept,
    )


def _restrict(entries: tuple[Entry, ...], positions: frozenset[str]) -> tuple[Entry, ...]:
    kept: list[Entry] = []
    for entry in entries:
        if entry.position not in positions:
            continue
        if isinstance(entry, GroupEntry):
            if entry.trigger.position not in positions:
                raise TableFormatError(f"{entry.label} is kept without its trigger")
            entry = GroupEntry(
                position=entry.position,
                number=entry.number,
                status=entry.status,
                max_repeat=entry.max_repeat,
                children=_restrict(entry.children, positions),
            )
        kept.append(entry)
    return tuple(kept)


def _walk(entries: Iterable[Entry]) -> Iterable[Entry]:
    for entry in entries:
        yield entry
        if isinstance(entry, GroupEntry):
            yield from _walk(entry.children)


def render_module(full: MessageTable, guide: MessageTable, source: str) -> str:
    """The text of `parsers/cusdec_table.py` holding `full` as CUSDEC_D16A and `guide` as CAD10."""
    return (
        _PREAMBLE.format(source=source)
        + _render_table("CUSDEC_D16A", full, "The whole D.16A segment table, which check_structure enforces.")
        + "\n\n"
        + _render_table("CAD10", guide, "The part MIG.md §2 (CAD10) uses, which the CUSDEC mapper reads.")
    )


_PREAMBLE = '''"""CUSDEC D.16A segment table, generated from the UNECE text; do not edit it (parsers layer).

Generated by `python -m parsers.generate_cusdec_table SOURCE`, where SOURCE is
{source},
from section 4.3.1 of the UNECE message text: every segment and segment group with its D.16A position, status
and maximum repeats. `CUSDEC_D16A` is the full table, against which `parsers.structure.check_structure`
checks order, nesting, repeats and mandatory segments (MIG.md §2: a segment D.16A allows at a position is
accepted even when the guide does not use it; one D.16A does not allow there is code 15). `CAD10` keeps only
the positions MIG.md §2 uses, with D.16A's status and repeats unchanged: the guide's own stricter rules (BGM,
LOC+22, DTM+204, RFF+CN, NAD+IM, NAD+DT, CNT+5 required; at most 9 CCNs) depend on qualifiers the segment
table cannot express, so the CUSDEC mapper reports them as business findings (docs/MIG-NOTES.md).
"""

from __future__ import annotations

from parsers.structure import GroupEntry, MessageTable, SegmentEntry, Status

M = Status.MANDATORY
C = Status.CONDITIONAL

'''


def _render_table(name: str, table: MessageTable, comment: str) -> str:
    head = [
        f"# {comment}",
        f"{name} = MessageTable(",
        f'    message_type="{table.message_type}",',
        f'    version="{table.version}",',
        f'    release="{table.release}",',
        f'    agency="{table.agency}",',
        "    entries=(",
    ]
    body = [line for entry in table.entries for line in _render_entry(entry, 8)]
    return "\n".join([*head, *body, "    ),", ")", ""])


def _render_entry(entry: Entry, indent: int) -> list[str]:
    """Lines of one tuple element, laid out as `ruff format` would lay them out."""
    pad = " " * indent
    status = "M" if entry.status is Status.MANDATORY else "C"
    if isinstance(entry, SegmentEntry):
        return _render_call(
            pad,
            "SegmentEntry",
            [
                f'position="{entry.position}"',
                f'tag="{entry.tag}"',
                f'name="{entry.name}"',
                f"status={status}",
                f"max_repeat={entry.max_repeat}",
            ],
        )
    return [
        f"{pad}GroupEntry(",
        f'{pad}    position="{entry.position}",',
        f"{pad}    number={entry.number},",
        f"{pad}    status={status},",
        f"{pad}    max_repeat={entry.max_repeat},",
        *_render_children(entry.children, indent + 4),
        f"{pad}),",
    ]


def _render_children(children: tuple[Entry, ...], indent: int) -> list[str]:
    pad = " " * indent
    lines = [line for child in children for line in _render_entry(child, indent + 4)]
    if len(lines) == 1:  # a one-element tuple's comma is not a "magic" one: ruff joins it if it fits
        joined = f"{pad}children=({lines[0].strip()}),"
        if len(joined) <= LINE_LENGTH:
            return [joined]
    return [f"{pad}children=(", *lines, f"{pad}),"]


def _render_call(pad: str, name: str, arguments: list[str]) -> list[str]:
    """A call as a tuple element: on one line, else its arguments on one line, else one per line."""
    one_line = f"{pad}{name}({', '.join(arguments)}),"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    hugged = f"{pad}    {', '.join(arguments)}"
    if len(hugged) <= LINE_LENGTH:
        return [f"{pad}{name}(", hugged, f"{pad}),"]
    return [f"{pad}{name}(", *(f"{pad}    {argument}," for argument in arguments), f"{pad}),"]


def main(argv: Sequence[str] | None = None) -> int:
    """Read the UNECE message text named on the command line and write `parsers/cusdec_table.py`."""
    parser = argparse.ArgumentParser(prog="python -m parsers.generate_cusdec_table", description=__doc__)
    parser.add_argument("source", type=Path, help="the UNECE CUSDEC_D.16A message text")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT})")
    arguments = parser.parse_args(argv)
    full = parse_segment_table(arguments.source.read_text(encoding="ascii"))
    module = render_module(full, restrict(full, CAD10_POSITIONS), _display(arguments.source))
    arguments.output.write_text(module, encoding="utf-8")
    return 0


def _display(source: Path) -> str:
    # Name the source by its place in the shared tree, so that the output does not depend on where it ran.
    parts = source.resolve().parts
    return "../shared/" + "/".join(parts[parts.index("ext") :]) if "ext" in parts else source.name


if __name__ == "__main__":
    sys.exit(main())
