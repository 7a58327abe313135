"""Checks over the raw text of every segment: repertoire, line breaks, tags, terminator (parsers layer).

These run on the bytes with compiled searches, not segment by segment, so a valid file costs one C-speed
pass; only a hit builds anything, and it is positioned at its segment, element and component. Per segment
and problem one finding is enough: the search resumes after the segment, and skips whole messages (or the
rest of the interchange level) once their findings are capped. Codes: 21 for a character outside the
declared repertoire, a UTF-8 sequence under UNOC or a line break inside a segment; 12 for a malformed
segment tag (a bad character inside the tag is reported only that way); 13 for a missing final terminator.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from parsers.charsets import Repertoire
from parsers.codes import SyntaxErrorCode
from parsers.findings import FindingSink
from parsers.segments import SegmentStore
from parsers.tokenizer import Tokens


def check_text(sink: FindingSink, store: SegmentStore, tokens: Tokens, repertoire: Repertoire | None) -> None:
    """Report bad characters, line breaks inside segments, malformed tags and a missing last terminator."""
    if repertoire is not None:
        _check_repertoire(sink, store, tokens, repertoire)
    _check_breaks(sink, store, tokens)
    for index in _capped(sink, tokens.bad_tags):
        tag = store.tag(index)
        text = f"segment tag {tag!r} is not three upper-case letters or digits"
        sink.add(SyntaxErrorCode.INVALID_VALUE, text, index=index, tag=tag)
    if tokens.abandoned is not None:
        size, offset = len(tokens.data), tokens.abandoned
        text = f"too many (malformed) segments for a file of {size} bytes: not read past byte {offset}"
        sink.add(SyntaxErrorCode.INVALID_VALUE, text)
    if tokens.unterminated:
        last = len(tokens) - 1
        text = "the last segment has no segment terminator (file cut short?)"
        sink.add(SyntaxErrorCode.MISSING, text, index=last, tag=store.tag(last))


def _check_repertoire(sink: FindingSink, store: SegmentStore, tokens: Tokens, repertoire: Repertoire) -> None:
    reported: set[int] = set()  # one repertoire finding per segment; UTF-8 first, as it says more
    for pattern in reversed(repertoire.searches(tokens.data)):
        _report_hits(sink, store, tokens, repertoire, pattern, reported)


def _report_hits(
    sink: FindingSink,
    store: SegmentStore,
    tokens: Tokens,
    repertoire: Repertoire,
    pattern: re.Pattern[bytes],
    reported: set[int],
) -> None:
    data, position = tokens.data, tokens.starts[0] if len(tokens) else len(tokens.data)
    while (match := pattern.search(data, position)) is not None:
        index = store.index_at(match.start())
        start, end = store.span(index)
        position = max(end, match.end())
        if index in reported:
            continue
        if sink.full(scope := sink.scope_of(index)):
            sink.skip(scope)
            resume = sink.resume_after(index)
            position = store.span(resume)[0] if resume is not None and resume < len(store) else len(data)
            continue
        # A bad character in the tag is reported once, as a malformed tag (code 12); look past the tag.
        found = _past_tag(pattern, match, data, tokens, start, end)
        if found is not None:
            reported.add(index)
            _add_character(sink, store, index, found.start(), _describe(found.group(), repertoire))


def _past_tag(
    pattern: re.Pattern[bytes], match: re.Match[bytes], data: bytes, tokens: Tokens, start: int, end: int
) -> re.Match[bytes] | None:
    tag_end = data.find(tokens.advice.element_separator.encode("latin_1"), start, end)
    tag_end = end if tag_end < 0 else tag_end
    return match if match.start() >= tag_end else pattern.search(data, tag_end, end)


def _describe(found: bytes, repertoire: Repertoire) -> str:
    name = repertoire.syntax_identifier
    if len(found) > 1:
        return f"UTF-8 encoded character {found.decode('utf_8', 'replace')!r} under {name} (ISO 8859-1)"
    return f"character {found.decode('latin_1')!r} (byte 0x{found[0]:02X}) is not in the {name} repertoire"


def _check_breaks(sink: FindingSink, store: SegmentStore, tokens: Tokens) -> None:
    if not tokens.broken:
        return
    separators = {tokens.advice.segment_terminator, tokens.advice.element_separator}
    breaks = "".join(c for c in "\r\n" if c not in separators).encode("latin_1")
    pattern = re.compile(b"[" + re.escape(breaks) + b"]")
    indices = sorted({store.index_at(offset) for offset in tokens.broken})
    for index in _capped(sink, indices):
        start, end = store.span(index)
        match = pattern.search(tokens.data, start, end)
        found = None if match is None else _past_tag(pattern, match, tokens.data, tokens, start, end)
        if found is not None:
            text = "line break inside a segment (only line breaks between segments are tolerated: MIG.md §1)"
            _add_character(sink, store, index, found.start(), text)


def _add_character(sink: FindingSink, store: SegmentStore, index: int, offset: int, text: str) -> None:
    element, component = store.locate(index, offset)
    tag = store.tag(index)
    sink.add(
        SyntaxErrorCode.INVALID_CHARACTER, text, index=index, tag=tag, element=element, component=component
    )


def _capped(sink: FindingSink, indices: Sequence[int]) -> Iterator[int]:
    """`indices` in order, skipping the rest of a scope once its findings are capped."""
    k = 0
    while k < len(indices):
        index = indices[k]
        if not sink.full(scope := sink.scope_of(index)):
            yield index
            k += 1
            continue
        sink.skip(scope)
        resume = sink.resume_after(index)
        if resume is None:
            return
        k = bisect_left(indices, resume, k)
