"""Writing EDIFACT (outbound layer): our segments to bytes with pydifact's serializer rules.

pydifact's `Serializer` escapes the separators and the release character correctly, so its escaping and
service characters are used as they are (without its UNA header: every file we write uses the default
service characters of MIG.md §1). Segments are built as plain tuples here and written the way
`Serializer.serialize` writes pydifact `Segment`s, without building those objects first (a CUSRES of a
500-CAD file has tens of thousands of segments); `escape` runs pydifact's regex substitution only on the
rare text that holds a service character, and `render_interchange` writes an interchange message by message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Final

from pydifact.serializer import Serializer

# An element is a string (simple) or a list of component strings (composite).
OutElement = str | list[str]
OutSegment = tuple[str, Sequence[OutElement]]

SERIALIZER = Serializer()
ELEMENT_SEPARATOR: Final = SERIALIZER.characters.data_separator
COMPONENT_SEPARATOR: Final = SERIALIZER.characters.component_separator
SEGMENT_TERMINATOR: Final = SERIALIZER.characters.segment_terminator
RELEASE_CHARACTER: Final = SERIALIZER.characters.escape_character


def render(segments: Iterable[OutSegment]) -> bytes:
    """Serialize segments in the UNOC repertoire (ISO 8859-1) with the default service characters."""
    return _encoded(_text(segments))


def render_interchange(
    *,
    sender: str,
    recipient: str,
    prepared: dt.datetime,
    control_reference: str,
    messages: Iterable[Sequence[OutSegment]],
) -> bytes:
    """Messages in UNB…UNZ (syntax UNOC version 3, MIG.md §3), serialized; UNZ counts the messages.

    Each message, a whole UNH…UNT as `message_segments` builds it, is written as soon as it comes, so only
    one message's segments are alive at a time: the segments of a CUSRES answering 500 CADs are tens of
    thousands of objects, and holding them all until the end makes the garbage collector walk them again and
    again while more are built.
    """
    header: OutSegment = (
        "UNB",
        [
            ["UNOC", "3"],
            [sender, "ZZZ"],
            [recipient, "ZZZ"],
            [prepared.strftime("%y%m%d"), prepared.strftime("%H%M")],
            control_reference,
        ],
    )
    texts = [_text([header])]
    texts += (_text(message) for message in messages)
    trailer: OutSegment = ("UNZ", [str(len(texts) - 1), control_reference])
    texts.append(_text([trailer]))
    return _encoded("".join(texts))


def message_segments(reference: str, identifier: list[str], body: Sequence[OutSegment]) -> list[OutSegment]:
    """Wrap a message body in UNH…UNT, with UNT counting UNH to UNT inclusive."""
    return [("UNH", [reference, identifier]), *body, ("UNT", [str(len(body) + 2), reference])]


def _encoded(text: str) -> bytes:
    return text.encode("latin_1", errors="replace")


def _text(segments: Iterable[OutSegment]) -> str:
    return "".join([_segment_text(tag, elements) for tag, elements in segments])


def _segment_text(tag: str, elements: Sequence[OutElement]) -> str:
    """One segment as `Serializer.serialize(..., with_una_header=False)` writes it, with ISO 9735 truncation:
    trailing empty components and trailing empty elements are left out."""
    texts = [
        _composite_text(element) if isinstance(element, list) else escape(element) for element in elements
    ]
    while texts and texts[-1] == "":  # an element renders empty only when all it holds is empty
        texts.pop()
    texts.insert(0, tag)
    return ELEMENT_SEPARATOR.join(texts) + SEGMENT_TERMINATOR


def _composite_text(components: list[str]) -> str:
    escaped = [escape(component) for component in components]
    while escaped and escaped[-1] == "":
        escaped.pop()
    return COMPONENT_SEPARATOR.join(escaped)


def escape(text: str) -> str:
    """`Serializer.escape`: the service characters in `text` preceded by the release character.

    Its regex substitution is only run on text holding one of them: almost no text we write does (codes,
    numbers, amounts), and checking first costs a fraction of the substitution.
    """
    if (
        RELEASE_CHARACTER in text
        or COMPONENT_SEPARATOR in text
        or ELEMENT_SEPARATOR in text
        or SEGMENT_TERMINATOR in text
    ):
        return SERIALIZER.escape(text)
    return text
