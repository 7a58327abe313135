"""Segments built when read (parsers layer).

`SegmentSequence` is the `Sequence[Segment]` that `Message.segments` holds: it keeps only the file's bytes
and the tokenizer's offsets, and builds each `Segment` on access without caching it, so memory stays a few
bytes per segment however large the interchange.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import overload

from parsers.model import Element, Repetition, Segment, ServiceStringAdvice, slot_setters
from parsers.splitter import Split, Splitter
from parsers.tokenizer import SpanList

_CACHED_LENGTH = 40  # segments this short are remembered once split...
_CACHE_SIZE = 4096  # ...up to this many per interchange (a few hundred KB at most)
_CHECKPOINT_SHIFT = 6  # a line number is kept for every 64th segment; the rest are counted from it
HEAD = 2048  # bytes read of a service segment (a UNB with every character released is under 1 KB)


_SETTERS = slot_setters(Segment, ("tag", "elements", "index", "offset", "line", "repetitions"))


def new_segment(
    tag: str,
    elements: tuple[Element, ...],
    index: int,
    offset: int,
    line: int,
    repetitions: tuple[Repetition, ...],
) -> Segment:
    """`Segment(tag=..., ...)`, built by setting its slots directly (see `parsers.model.slot_setters`).

    If the model gains a field this falls back to the constructor.
    """
    if _SETTERS is None:
        return Segment(
            tag=tag, elements=elements, index=index, offset=offset, line=line, repetitions=repetitions
        )
    segment = _new(Segment)
    set_tag, set_elements, set_index, set_offset, set_line, set_repetitions = _SETTERS
    set_tag(segment, tag)
    set_elements(segment, elements)
    set_index(segment, index)
    set_offset(segment, offset)
    set_line(segment, line)
    set_repetitions(segment, repetitions)
    return segment


_new = object.__new__


class SegmentStore:
    """The file's bytes and segment offsets, able to build any segment by its 0-based index."""

    __slots__ = ("_cache", "_checkpoints", "_codec", "_data", "_ends", "_splitter", "_starts", "advice")

    def __init__(self, *, data: bytes, starts: SpanList, ends: SpanList, codec: str,
                 advice: ServiceStringAdvice) -> None:  # fmt: skip
        self._data, self._starts, self._ends = data, starts, ends
        self._checkpoints: array[int] | None = None  # line of every 256th segment, counted when first asked
        self._codec = codec
        self._splitter = Splitter(advice)
        self._cache: dict[str, Split] = {}
        self.advice = advice

    def __len__(self) -> int:
        return len(self._starts)

    def text(self, index: int) -> str:
        """The segment's text as decoded, without its terminator."""
        return self._data[self._starts[index] : self._ends[index]].decode(self._codec, "replace")

    def segment(self, index: int) -> Segment:
        """The segment at 0-based `index`, built now."""
        text = self.text(index)
        tag, elements, repetitions = self._cache.get(text) or self._split(text)
        return new_segment(tag, elements, index + 1, self._starts[index], self.line(index), repetitions)

    def head(self, index: int) -> Segment:
        """The segment built from at most its first `HEAD` bytes: enough for any valid service segment, and
        a hostile `UNH+a+a+a...` of megabytes costs nothing (its element check reports the excess)."""
        start, end = self._starts[index], self._ends[index]
        text = self._data[start : min(end, start + HEAD)].decode(self._codec, "replace")
        tag, elements, repetitions = self._splitter.split(text)
        return new_segment(tag, elements, index + 1, start, self.line(index), repetitions)

    def line(self, index: int) -> int:
        """1-based line of the file where segment `index` starts."""
        if self._checkpoints is None:
            self._checkpoints = self._count_lines()
        checkpoint = index >> _CHECKPOINT_SHIFT
        since = self._starts[checkpoint << _CHECKPOINT_SHIFT]
        return self._checkpoints[checkpoint] + self._data.count(b"\n", since, self._starts[index])

    def _count_lines(self) -> array[int]:
        lines, line, previous = array("I"), 1, 0
        for index in range(0, len(self._starts), 1 << _CHECKPOINT_SHIFT):
            line += self._data.count(b"\n", previous, self._starts[index])
            previous = self._starts[index]
            lines.append(line)
        return lines

    def segments(self, start: int, stop: int) -> Iterator[Segment]:
        """Segments `start`..`stop - 1`, decoding their bytes in one go (what iterating a message does)."""
        if start >= stop:
            return
        if _SETTERS is None:
            yield from map(self.segment, range(start, stop))
            return
        starts, ends, cache = self._starts, self._ends, self._cache
        set_tag, set_elements, set_index, set_offset, set_line, set_repetitions = _SETTERS
        base, line = starts[start], self.line(start)
        whole = self._data[base : ends[stop - 1]].decode(self._codec, "replace")
        previous = 0
        spans = zip(range(start + 1, stop + 1), starts[start:stop], ends[start:stop], strict=True)
        for number, offset, end in spans:
            line += whole.count("\n", previous, offset - base)
            previous = offset - base
            text = whole[previous : end - base]
            found = cache.get(text)
            tag, elements, repetitions = self._split(text) if found is None else found
            segment = _new(Segment)  # `new_segment` inlined: this loop is the hot path of reading messages
            set_tag(segment, tag)
            set_elements(segment, elements)
            set_index(segment, number)
            set_offset(segment, offset)
            set_line(segment, line)
            set_repetitions(segment, repetitions)
            yield segment

    def _split(self, text: str) -> Split:
        """`Splitter.split`, remembering short segments: qualifier-only ones (`UNS+D`, `TAX+5+CUD+++10`,
        `DTM+11:20261115:102`...) recur throughout an interchange and their values are immutable. The
        memo is emptied when full, so the recurring ones come straight back and memory stays bounded."""
        found = self._splitter.split(text)
        if len(text) <= _CACHED_LENGTH:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = found
        return found

    def tag(self, index: int) -> str:
        """The segment's tag (what precedes the first element separator, at most 20 characters)."""
        start, end = self._starts[index], self._ends[index]
        head = self._data[start : min(end, start + 64)].decode(self._codec, "replace")
        return head.split(self.advice.element_separator, 1)[0][:20]

    def locate(self, index: int, offset: int) -> tuple[int | None, int | None]:
        """1-based element and component positions of byte `offset` in segment `index` (None in the tag).

        The component position is left out when the element has a single component (a simple data
        element), as CONTRL's UCD 0104 is for composites only.
        """
        element, component, composite = self._splitter.position(
            self.text(index), offset - self._starts[index]
        )
        if element == 0:
            return None, None
        return element, component if composite else None

    def span(self, index: int) -> tuple[int, int]:
        """Byte offsets of the segment's first character and of its terminator."""
        return self._starts[index], self._ends[index]

    def index_at(self, offset: int) -> int:
        """The 0-based index of the segment holding byte `offset` (the last one starting at or before it)."""
        return bisect_right(self._starts, offset) - 1


class SegmentSequence(Sequence[Segment]):
    """Segments `start`..`stop - 1` of a store, built on each access (not cached)."""

    __slots__ = ("_start", "_stop", "_store")

    def __init__(self, store: SegmentStore, start: int, stop: int) -> None:
        self._store, self._start, self._stop = store, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, key: int) -> Segment: ...

    @overload
    def __getitem__(self, key: slice) -> Sequence[Segment]: ...

    def __getitem__(self, key: int | slice) -> Segment | Sequence[Segment]:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                return tuple(self[k] for k in range(start, stop, step))
            return SegmentSequence(self._store, self._start + start, self._start + max(start, stop))
        index = key + len(self) if key < 0 else key
        if not 0 <= index < len(self):
            raise IndexError("segment index out of range")
        return self._store.segment(self._start + index)

    def __iter__(self) -> Iterator[Segment]:
        return self._store.segments(self._start, self._stop)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"SegmentSequence({len(self)} segments from index {self._start + 1})"
