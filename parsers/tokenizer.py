"""Bytes to segment boundaries: the EDIFACT tokenizer (parsers layer).

Takes the service characters and UNB syntax identifier from `parsers.advice`, then finds where every
segment starts and ends without building any per-segment Python object: the file is cut into windows ending
on a segment terminator, each window is split with `bytes.split`, and offsets and tags are found with
C-level `map`/`accumulate`/`compress` and compiled searches; released terminators (`?'`) are found the same
way. Time is linear in the input whatever its shape (a 16 MiB single segment, 16 MiB of `?'`...). Memory is
two 4-byte offsets per segment, and a window holds about `PIECES` segments, so the transient lists stay
small however short the segments. A well-formed segment takes at least 4 bytes (tag and terminator), so a
file holding more segments than a quarter of its size is read no further (code 12), which bounds the
offsets at twice the file size. Segments themselves are built lazily by `parsers.segments`.

Line breaks (CR, LF) between segments are tolerated (MIG.md §1) and skipped. A line break inside a segment is
kept as data, not dropped: CR and LF belong to none of the UNOA/UNOB/UNOC repertoires, so the envelope check
reports it as an invalid character (code 21) at its segment, element and component — a fixed-width wrapped
file is rejected with the place of its first break rather than silently re-joined. Trailing line breaks after
the last terminator are tolerated; any other trailing text is an unterminated segment.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, and_, mul, sub
from typing import TypeAlias, cast

from parsers.advice import UnaProblem, read_advice, service_characters
from parsers.charsets import LINE_BREAKS
from parsers.model import ServiceStringAdvice
from parsers.tags import SERVICE_CODES, SERVICE_ORDER, kind_of, patterns_for

WINDOW = 1 << 19  # the largest window, in bytes
FIRST_WINDOW = 1 << 15  # the first window, before the segments' length is known
MIN_WINDOW = 64  # the smallest window (tests shrink these three to exercise window boundaries)
PIECES = 1 << 14  # segments per window aimed at: the window shrinks when segments are short
MIN_SEGMENT = 4  # bytes of the shortest well-formed segment: a tag and a terminator
UTF8_BOM = b"\xef\xbb\xbf"
SpanList: TypeAlias = "array[int]"  # unsigned ints ("I", or "Q" beyond 4 GiB)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Tokens:
    """Where every segment of `data` is, plus what the tokenizer learnt on the way."""

    data: bytes
    advice: ServiceStringAdvice
    has_una: bool
    syntax_identifier: str  # UNB S001/0001 as peeked before decoding ("" when there is no UNB first)
    syntax_version: str  # UNB S001/0002 as peeked
    starts: SpanList  # byte offset of each segment's first character
    ends: SpanList  # byte offset just past each segment's last character (where its terminator is)
    service_indices: SpanList  # 0-based index of every UNA/UNB/UNG/UNH/UNT/UNE/UNZ segment...
    service_tags: bytes  # ...and which of SERVICE_ORDER it is, one byte each
    bad_tags: SpanList  # 0-based indices of segments whose tag is not three upper-case letters or digits
    broken: SpanList  # byte offsets inside segments that contain a line break
    una_problems: tuple[UnaProblem, ...]
    unterminated: bool  # the last segment has no terminator (truncated file)
    abandoned: int | None  # byte offset where reading stopped: too many segments for the file's size

    def __len__(self) -> int:
        return len(self.starts)

    def service(self) -> Iterator[tuple[int, str]]:
        """(0-based index, tag) of every service segment, in file order."""
        tags = map(SERVICE_ORDER.__getitem__, self.service_tags)
        return zip(self.service_indices, tags, strict=True)


def tokenize(data: bytes) -> Tokens:
    """Find the service characters and the boundaries of every segment of an interchange file."""
    begin = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    found = read_advice(data, begin)
    scan = _Scanner(data, found.advice)
    scan.run(found.body)
    return Tokens(
        data=data,
        advice=found.advice,
        has_una=found.has_una,
        syntax_identifier=found.syntax_identifier,
        syntax_version=found.syntax_version,
        starts=scan.starts,
        ends=scan.ends,
        service_indices=scan.service_indices,
        service_tags=bytes(scan.service_tags),
        bad_tags=scan.bad_tags,
        broken=scan.broken,
        una_problems=found.problems,
        unterminated=scan.unterminated,
        abandoned=scan.abandoned,
    )


class _Scanner:
    """Accumulates segment spans window by window (see the module docstring)."""

    def __init__(self, data: bytes, advice: ServiceStringAdvice) -> None:
        self.data = data
        code = "I" if len(data) < 1 << 32 else "Q"
        self.starts, self.ends = array(code), array(code)
        self.bad_tags, self.broken = array(code), array(code)
        self.service_indices, self.service_tags = array(code), bytearray()
        self.unterminated = False
        self.abandoned: int | None = None
        self.terminator = advice.segment_terminator.encode("latin_1")
        release = advice.release_character
        self.release = release.encode("latin_1") if release else b""
        service = service_characters(advice).encode("latin_1")
        self.breaks = bytes(b for b in LINE_BREAKS if b not in service)
        self.break_bytes = tuple(bytes((b,)) for b in self.breaks)
        self.pending: int | None = None  # start of a segment still open at the end of a window
        element = advice.element_separator.encode("latin_1")
        self.patterns = patterns_for(self.terminator, element, self.release, self.breaks)

    def run(self, begin: int) -> None:
        start, size, window = begin, len(self.data), FIRST_WINDOW
        limit = size // MIN_SEGMENT + 1024
        while True:
            stop = self._window_end(start, window)
            final = stop < 0
            pieces = self._window(start, size if final else stop, final=final)
            if self._overfull(limit):
                return
            if final:
                return
            start = stop + 1
            window = max(MIN_WINDOW, min(WINDOW, window * PIECES // max(pieces, 1)))

    def _window_end(self, start: int, window: int) -> int:
        """The last terminator before `start + window` (or, if none, the first after it); -1 at the end. A
        segment longer than a window thus gets a window of its own, which `bytes.split` does not copy."""
        if start + window >= len(self.data):
            return -1
        stop = self.data.rfind(self.terminator, start, start + window)
        return stop if stop >= 0 else self.data.find(self.terminator, start + window)

    def _overfull(self, limit: int) -> bool:
        """A well-formed segment takes 4 bytes; more segments, or malformed tags for a quarter of them, mean
        this is not EDIFACT, and reading on would only spend memory: stop there."""
        if len(self.bad_tags) > limit // 4:
            self._abandon(self.bad_tags[limit // 4])
        elif len(self.starts) > limit:
            self._abandon(limit)
        return self.abandoned is not None

    def _abandon(self, limit: int) -> None:
        """Too many segments (or malformed tags) for the file's size: it is not EDIFACT; stop at `limit`."""
        self.abandoned = self.starts[limit]
        del self.starts[limit:], self.ends[limit:]
        kept = bisect_left(self.service_indices, limit)
        del self.service_indices[kept:], self.service_tags[kept:]
        del self.bad_tags[bisect_left(self.bad_tags, limit) :]
        self.broken = array(self.broken.typecode, (b for b in self.broken if b < self.abandoned))
        self.unterminated = False

    def _window(self, base: int, stop: int, *, final: bool) -> int:
        chunk = self.data[base:stop]
        pieces = chunk.split(self.terminator)
        lengths = list(map(len, pieces))
        bases = list(accumulate(map(add, lengths, repeat(1)), initial=base))
        ends = list(map(add, bases, lengths))
        starts, leads = self._starts(chunk, pieces, bases, lengths)
        escaped = self._escaped(chunk, pieces, ends, final=final) if self.release else []
        if escaped or self.pending is not None:
            starts, ends = self._merge(escaped, starts, ends, leads)
        if final:
            self._finish_tail(starts, ends, pieces[-1])
        self._record(chunk, base, starts, ends, tail=final and self.unterminated)
        return len(pieces)

    def _starts(
        self, chunk: bytes, pieces: list[bytes], bases: list[int], lengths: list[int]
    ) -> tuple[list[int], list[int] | None]:
        """Where each piece's segment starts (past leading line breaks), and how many breaks were skipped."""
        if not any(b in chunk for b in self.break_bytes):
            return bases[:-1], None
        if self.breaks == LINE_BREAKS:  # the usual layout: one LF or CRLF after each terminator, no other
            separator = b"\r\n" if b"\r" in chunk else b"\n"
            flags = list(map(bytes.startswith, pieces, repeat(separator)))
            count = sum(flags)
            if chunk.count(b"\n") == count and chunk.count(b"\r") == count * (len(separator) - 1):
                leads = cast(list[int], flags) if len(separator) == 1 else list(map(mul, flags, repeat(2)))
                return list(map(add, bases, leads)), leads
        stripped = list(map(bytes.lstrip, pieces, repeat(self.breaks)))
        leads = list(map(sub, lengths, map(len, stripped)))
        starts = list(map(add, bases, leads))
        inner = b"".join(stripped)
        if any(b in inner for b in self.break_bytes):
            inside = (any(b in piece for b in self.break_bytes) for piece in stripped)
            self.broken.extend(compress(starts, inside))
        return starts, leads

    def _escaped(self, chunk: bytes, pieces: list[bytes], ends: list[int], *, final: bool) -> list[int]:
        """Indices of pieces whose terminator is released (the piece ends in an odd run of release chars)."""
        release, last = self.release, len(pieces) - 1 if final else len(pieces)
        hits = chunk.count(release + self.terminator) + chunk.endswith(release)
        if not hits:
            return []
        if hits * 8 < len(pieces):  # sparse: look at the few pieces concerned
            base = ends[0] - len(pieces[0])
            found = (bisect_left(ends, base + m.end() - 1) for m in self.patterns.escape.finditer(chunk))
            candidates = [k for k in found if k < last]
            if not final and chunk.endswith(release):
                candidates.append(last - 1)
        else:  # dense: every piece, in C
            flags = list(map(bytes.endswith, pieces, repeat(release)))
            flags[last:] = [False] * (len(flags) - last)
            candidates = list(compress(range(last), flags))
        chosen = list(map(pieces.__getitem__, candidates))
        runs = map(sub, map(len, chosen), map(len, map(bytes.rstrip, chosen, repeat(release))))
        return list(compress(candidates, map(and_, runs, repeat(1))))

    def _merge(
        self, escaped: list[int], starts: list[int], ends: list[int], leads: list[int] | None
    ) -> tuple[list[int], list[int]]:
        """Join pieces across released terminators into segments, carrying an open one to the next window."""
        closes = bytearray(b"\x01") * len(ends)
        deque(map(closes.__setitem__, escaped, repeat(0)), maxlen=0)
        if leads:  # a line break right after a released terminator is data inside the segment
            following = [k + 1 for k in escaped if k + 1 < len(leads)]
            if self.pending is not None:  # the terminator released at the end of the previous window
                following.insert(0, 0)
            broken = compress(following, map(leads.__getitem__, following))
            self.broken.extend(starts[k] - leads[k] for k in broken)
        opens = bytearray(b"\x00" if self.pending is not None else b"\x01") + closes[:-1]
        merged_starts, merged_ends = list(compress(starts, opens)), list(compress(ends, closes))
        if self.pending is not None:
            merged_starts.insert(0, self.pending)
        self.pending = merged_starts.pop() if len(merged_starts) > len(merged_ends) else None
        return merged_starts, merged_ends

    def _finish_tail(self, starts: list[int], ends: list[int], last: bytes) -> None:
        """Text after the last terminator: trailing line breaks are fine, anything else is unterminated.
        (`last` is the final piece: the tail's trailing breaks are in it, and it is not copied again.)"""
        if not starts:
            return
        start, end = starts[-1], ends[-1] - _trailing(last, self.breaks)
        if end <= start:
            del starts[-1], ends[-1]
            return
        ends[-1] = end
        self.unterminated = True
        if not any(self.data.find(b, start, end) >= 0 for b in self.break_bytes):  # none left inside it
            self.broken = array(self.broken.typecode, (offset for offset in self.broken if offset < start))

    def _record(self, chunk: bytes, base: int, starts: list[int], ends: list[int], *, tail: bool) -> None:
        """Store the window's spans and note service segments and malformed tags. The searches see the
        window's text; the first segment (which may have begun in an earlier window) and an unterminated
        last one (whose trailing line breaks are not part of it) are judged by their own prefix instead."""
        first = len(self.starts)
        self.starts.extend(starts)
        self.ends.extend(ends)
        if not starts:
            return
        inner = len(starts) - 1 if tail else len(starts)
        self._note(first, self._kind(starts[0], ends[0]))
        for match in self.patterns.service.finditer(chunk):
            self._note_at(first, starts, inner, base + match.start(), match.group().decode("ascii"))
        for match in self.patterns.bad_tag.finditer(chunk):
            self._note_at(first, starts, inner, base + match.end(), "?")
        if tail and inner > 0:
            self._note(first + inner, self._kind(starts[inner], ends[inner]))

    def _note_at(self, first: int, starts: list[int], inner: int, offset: int, kind: str) -> None:
        """Note `kind` for the segment starting exactly at `offset` among `starts[1:inner]` (hits elsewhere
        are released text)."""
        k = bisect_left(starts, offset, 0, inner)
        if 0 < k < inner and starts[k] == offset:
            self._note(first + k, kind)

    def _note(self, index: int, kind: str) -> None:
        if kind == "?":
            self.bad_tags.append(index)
        elif kind:
            self.service_indices.append(index)
            self.service_tags.append(SERVICE_CODES[kind])

    def _kind(self, start: int, end: int) -> str:
        return kind_of(self.patterns, self.data[start : min(start + 4, end)])


def _trailing(piece: bytes, characters: bytes) -> int:
    """How many of `characters` end `piece`, looked at in doubling slices (linear, no copy of the piece)."""
    count, step = 0, 64
    while count < len(piece):
        low = max(0, len(piece) - count - step)
        window = piece[low : len(piece) - count]
        found = len(window) - len(window.rstrip(characters))
        count += found
        if found < len(window):
            break
        step *= 2
    return count
