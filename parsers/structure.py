"""Message structure: a UN/EDIFACT segment table, and the checker walking messages through it (parsers layer).

A `MessageTable` is the segment table of a message type as the UNECE directory prints it (section 4.3.1):
segments and segment groups with their status (M/C) and maximum repeats, groups nested in groups. The one for
CUSDEC D.16A is generated from the UNECE text into `parsers.cusdec_table`.

`check_structure` runs the usual group-aware state machine of EDIFACT translators over a message's segments
(UNH = position 1): a group is entered only by its trigger (first) segment, the trigger seen again at the
group's level starts the group's next occurrence, and a tag found in none of the open levels from the current
position onwards is reported. It reports code 15 (segment not allowed here), 13 (a mandatory segment or
group skipped or never sent), 35 (a segment repeated past its maximum) and 36 (a group repeated past its
maximum), each once, and keeps going, up to a cap of findings as the parser has. Each segment costs at most
one pass over the open levels of a fixed table, each level prepared once per table into look-ups (where each
tag stands, how many mandatory children precede each place), so the walk is linear in the number of segments
and reads a lazily built `Message.segments` once. `place_segments` is the same walk returning where every
segment landed (its table entry and group occurrences), which is how the mappers tell the header LOC from a
line's LOC without re-implementing the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, TypeAlias

from parsers.codes import SyntaxErrorCode
from parsers.findings import MAX_FINDINGS
from parsers.model import Message, Segment, SyntaxFinding


class Status(StrEnum):
    """The S column of a UNECE segment table."""

    MANDATORY = "M"
    CONDITIONAL = "C"


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentEntry:
    """One segment position of a table: Pos, Tag, Name, S and R."""

    position: str  # the directory's Pos, e.g. "00040": unique within the message, so a stable key
    tag: str
    name: str
    status: Status
    max_repeat: int

    @property
    def label(self) -> str:
        return f"segment {self.tag} (Pos {self.position})"


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupEntry:
    """One segment group: its number, S and R, and its children, the first being the trigger segment."""

    position: str
    number: int
    status: Status
    max_repeat: int
    children: tuple[Entry, ...]

    def __post_init__(self) -> None:
        if not self.children or not isinstance(self.children[0], SegmentEntry):
            raise ValueError(f"segment group {self.number} must start with its trigger segment")

    @property
    def trigger(self) -> SegmentEntry:
        """The segment that opens every occurrence of the group."""
        first = self.children[0]
        assert isinstance(first, SegmentEntry)  # checked in __post_init__
        return first

    @property
    def tag(self) -> str:
        """The tag that enters the group: its trigger's."""
        return self.trigger.tag

    @property
    def label(self) -> str:
        return f"segment group {self.number} (Pos {self.position}, starting with {self.tag})"


Entry: TypeAlias = "SegmentEntry | GroupEntry"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageTable:
    """The segment table of one message type and directory, e.g. CUSDEC D.16A."""

    message_type: str
    version: str
    release: str
    agency: str
    entries: tuple[Entry, ...]


GroupOccurrence: TypeAlias = tuple[int, int]  # (segment group number, 1-based occurrence within its parent)


class Placement(NamedTuple):
    """Where one segment landed in the table.

    `entry` is None when the table does not allow the segment there (a code 15 finding); `groups` lists the
    group occurrences the segment is in, outermost first, e.g. ((32, 3), (43, 1)) for the first tax group of
    the third line of a CUSDEC. A NamedTuple rather than a frozen dataclass: the walk builds one for every
    segment of every message, and a tuple is built in a fraction of the time.
    """

    segment: Segment
    position: int  # counted from UNH = 1
    entry: SegmentEntry | None
    groups: tuple[GroupOccurrence, ...]


def check_structure(
    message: Message, table: MessageTable, *, limit: int = MAX_FINDINGS
) -> tuple[SyntaxFinding, ...]:
    """Check the order, nesting, repeats and mandatory segments of a message against its segment table.

    Args:
        message: the message, UNH to UNT.
        table: its segment table, e.g. `parsers.cusdec_table.CUSDEC_D16A`.
        limit: at most this many findings; past it the walk stops and a last code 18 finding says more
            were left out, as the parser does (CONTRL repeats UCS at most 999 times).

    Returns:
        The structure findings, in segment order (empty when the message conforms).
    """
    machine = _Machine(table, message.reference)
    for _ in machine.walk(message.segments):
        if len(machine.findings) > limit:
            break
    return _capped(machine.findings, limit, message.reference)


def check_and_place(
    message: Message, table: MessageTable, *, limit: int = MAX_FINDINGS
) -> tuple[tuple[SyntaxFinding, ...], tuple[Placement, ...]]:
    """`check_structure` and `place_segments` in one walk (what reading a message then mapping it needs)."""
    machine = _Machine(table, message.reference)
    placements = tuple(machine.walk(message.segments))
    return _capped(machine.findings, limit, message.reference), placements


def _capped(findings: list[SyntaxFinding], limit: int, reference: str) -> tuple[SyntaxFinding, ...]:
    if len(findings) <= limit:
        return tuple(findings)
    more = SyntaxFinding(
        code=SyntaxErrorCode.UNSPECIFIED.value,
        text=f"more structure findings not listed (at most {limit} per message)",
        message_ref=reference,
    )
    return (*findings[:limit], more)


def place_segments(message: Message, table: MessageTable) -> tuple[Placement, ...]:
    """The position in `table` of every segment of the message (findings are `check_structure`'s business)."""
    return tuple(_Machine(table, message.reference).walk(message.segments))


# Builds a `Placement` from a tuple of its fields without the keyword-checking `__new__` of a NamedTuple:
# the walk builds one per segment.
_placement = tuple.__new__


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _Level:
    """One tuple of a table's children (the message's, or a group's), prepared once for the walk.

    The walk places every segment of every message against these, so what it asks of a level per segment is
    a look-up: where a tag stands among the children, a child's maximum, whether a span of children holds a
    mandatory one (a difference of two counts rather than a pass over the span), the level a group opens.
    """

    children: tuple[Entry, ...]
    number: int  # the group's number; 0 for the message level
    places: dict[str, tuple[int, ...]]  # the indices of each tag among the children
    limits: tuple[int, ...]  # each child's maximum repeats
    mandatory: tuple[int, ...]  # mandatory children before each index, len(children) + 1 counts
    lands: tuple[SegmentEntry, ...]  # the entry a segment placed at each child lands on (a group's trigger)
    inner: tuple[_Level | None, ...]  # the level each group child opens; None for a segment child

    @classmethod
    def of(cls, children: tuple[Entry, ...], number: int) -> _Level:
        places: dict[str, list[int]] = {}
        for index, child in enumerate(children):
            places.setdefault(child.tag, []).append(index)
        mandatory = [0]
        for child in children:
            mandatory.append(mandatory[-1] + (child.status is Status.MANDATORY))
        return cls(
            children=children,
            number=number,
            places={tag: tuple(indices) for tag, indices in places.items()},
            limits=tuple(child.max_repeat for child in children),
            mandatory=tuple(mandatory),
            lands=tuple(child.trigger if isinstance(child, GroupEntry) else child for child in children),
            inner=tuple(
                cls.of(c.children, c.number) if isinstance(c, GroupEntry) else None for c in children
            ),
        )

    def holds_mandatory(self, start: int, stop: int) -> bool:
        """Whether children[start:stop] holds a mandatory segment or group."""
        return self.mandatory[stop] > self.mandatory[start]


# The prepared levels of the tables walked lately, by their entries (identity checked, as ids are reused
# only once an object is gone, and the level keeps it alive). The tables are module constants, so this holds
# one or two; it is emptied when full, so tables built on the fly (tests) cannot make it grow.
_LEVELS: dict[int, _Level] = {}
_LEVELS_KEPT = 8


def _level_of(table: MessageTable) -> _Level:
    level = _LEVELS.get(id(table.entries))
    if level is None or level.children is not table.entries:
        if len(_LEVELS) >= _LEVELS_KEPT:
            _LEVELS.clear()
        level = _LEVELS[id(table.entries)] = _Level.of(table.entries, 0)
    return level


@dataclass(slots=True)
class _Frame:
    """One open level: the message itself or one occurrence of a group."""

    level: _Level
    groups: tuple[GroupOccurrence, ...]  # the open group occurrences, outermost first, down to this one
    index: int = -1  # the child matched last; -1 before the first
    count: int = 0  # how many times children[index] has occurred in this frame


class _Machine:
    """The walk's state: the stack of open levels, the findings so far, the segments around the gap."""

    def __init__(self, table: MessageTable, reference: str) -> None:
        self._stack = [_Frame(level=_level_of(table), groups=())]
        self._reference = reference
        self._segment: Segment | None = None  # the segment being placed (after the walk: the last one)
        self._previous: Segment | None = None
        self._position = 0
        self._finished = False
        self.findings: list[SyntaxFinding] = []

    def walk(self, segments: Iterable[Segment]) -> Iterator[Placement]:
        """Place each segment in turn: find the level that takes it, close the levels inside, advance."""
        stack = self._stack
        for position, segment in enumerate(segments, start=1):
            self._previous, self._segment, self._position = self._segment, segment, position
            tag = segment.tag
            hit = self._find(tag)
            if hit is None:
                self._report(SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, f"segment {tag} is not allowed here")
                entry = None
            else:
                depth, index = hit
                if depth + 1 < len(stack):  # most segments stay at the level they are placed at
                    self._close(depth + 1)
                entry = self._advance(stack[depth], index)
            yield _placement(Placement, (segment, position, entry, stack[-1].groups))
        self._finished = True
        self._close(0)  # whatever is still open must have had its mandatory parts

    def _find(self, tag: str) -> tuple[int, int] | None:
        """The innermost open level that can take `tag` from its current position on: (depth, child index).

        A position already used up to its maximum is taken only when no level has a fresh place for the tag:
        then it is a repetition error rather than, say, the start of the enclosing group's next occurrence.
        A group's trigger is never such a place inside the group: seen again, it repeats the group.
        """
        stack = self._stack
        used_up: tuple[int, int] | None = None
        for depth in range(len(stack) - 1, -1, -1):
            frame = stack[depth]
            for index in frame.level.places.get(tag, ()):
                if index < frame.index:
                    continue
                if index != frame.index or frame.count < frame.level.limits[index]:
                    return depth, index
                if used_up is None and (depth == 0 or index > 0):
                    used_up = depth, index
        return used_up

    def _advance(self, frame: _Frame, index: int) -> SegmentEntry:
        """Move `frame` to its child `index` (one more occurrence of it); enter it when it is a group."""
        level = frame.level
        if index != frame.index:
            if level.holds_mandatory(frame.index + 1, index):
                self._report_missing(level.children[frame.index + 1 : index])
            frame.index, frame.count = index, 0
        frame.count += 1
        if frame.count > level.limits[index]:
            self._report_repeated(level.children[index])
        inner = level.inner[index]
        if inner is not None:
            groups = (*frame.groups, (inner.number, frame.count))
            self._stack.append(_Frame(level=inner, groups=groups, index=0, count=1))
        return level.lands[index]

    def _close(self, depth: int) -> None:
        """Leave every level from `depth` inwards, reporting the mandatory parts none of them reached."""
        for frame in reversed(self._stack[depth:]):
            level = frame.level
            if level.holds_mandatory(frame.index + 1, len(level.children)):
                self._report_missing(level.children[frame.index + 1 :])
        del self._stack[max(depth, 1) :]

    def _report_missing(self, skipped: Iterable[Entry]) -> None:
        # CONTRL UCS 0096: a missing segment is reported at the last segment processed before the place
        # where it was expected, and a missing group as its first segment missing.
        for entry in skipped:
            if entry.status is Status.MANDATORY:
                text = f"mandatory {entry.label} is missing"
                self._report(SyntaxErrorCode.MISSING, text, missing=entry.tag)

    def _report_repeated(self, child: Entry) -> None:
        code = (
            SyntaxErrorCode.TOO_MANY_GROUP_REPETITIONS
            if isinstance(child, GroupEntry)
            else SyntaxErrorCode.TOO_MANY_SEGMENT_REPETITIONS
        )
        self._report(code, f"{child.label} occurs more than {child.max_repeat} times")

    def _report(self, code: SyntaxErrorCode, text: str, *, missing: str | None = None) -> None:
        at, position = self._segment, self._position
        if missing is not None and not self._finished:
            at, position = self._previous, position - 1
        self.findings.append(
            SyntaxFinding(
                code=code.value,
                text=text,
                message_ref=self._reference,
                segment_position=position or None,
                segment_tag=missing or (at.tag if at else None),
                interchange_index=at.index if at else None,
            )
        )
