"""Writing EDIFACT (outbound layer): our segments to bytes with pydifact's serializer rules.

pydifact's `Serializer` escapes the separators and the release character correctly, so its escaping and
service characters are used as they are (without its UNA header: every file we write uses the default
service characters of MIG.md §1). Segments are built as plain tuples here and written the way
`Serializer.serialize` writes pydifact `Segment`s, without building those objects first (a CUSRES of a
500-CAD file has tens of thousands of segments).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydifact.serializer import Serializer

# An element is a string (simple) or a list of component strings (composite).
OutElement = str | list[str]
OutSegment = tuple[str, Sequence[OutElement]]

SERIALIZER = Serializer()


def render(segments: Sequence[OutSegment]) -> bytes:
    """Serialize segments in the UNOC repertoire (ISO 8859-1) with the default service characters."""
    characters, escape = SERIALIZER.characters, SERIALIZER.escape
    element_separator, component_separator = characters.data_separator, characters.component_separator
    parts: list[str] = []
    for tag, elements in segments:  # as `Serializer.serialize(..., with_una_header=False)` does
        parts.append(tag)
        for element in _trimmed(elements):
            parts.append(element_separator)
            if isinstance(element, list):
                escaped = [escape(component) for component in element]
                while escaped and escaped[-1] == "":
                    escaped.pop()
                parts.append(component_separator.join(escaped))
            else:
                parts.append(escape(element))
        parts.append(characters.segment_terminator)
    return "".join(parts).encode("latin_1", errors="replace")


def _trimmed(elements: Sequence[OutElement]) -> list[OutElement]:
    """Drop trailing empty elements and trailing empty components (ISO 9735 truncation)."""
    kept = [_trim_components(element) for element in elements]
    while kept and kept[-1] in ("", []):
        kept.pop()
    return kept


def _trim_components(element: OutElement) -> OutElement:
    if isinstance(element, str):
        return element
    components = list(element)
    while components and components[-1] == "":
        components.pop()
    return components


def interchange_segments(
    *, sender: str, recipient: str, prepared: dt.datetime, control_reference: str, body: Sequence[OutSegment]
) -> list[OutSegment]:
    """Wrap messages in UNB…UNZ (syntax UNOC version 3, MIG.md §3), counting the UNH segments."""
    messages = sum(1 for tag, _ in body if tag == "UNH")
    return [
        (
            "UNB",
            [
                ["UNOC", "3"],
                [sender, "ZZZ"],
                [recipient, "ZZZ"],
                [prepared.strftime("%y%m%d"), prepared.strftime("%H%M")],
                control_reference,
            ],
        ),
        *body,
        ("UNZ", [str(messages), control_reference]),
    ]


def message_segments(reference: str, identifier: list[str], body: Sequence[OutSegment]) -> list[OutSegment]:
    """Wrap a message body in UNH…UNT, with UNT counting UNH to UNT inclusive."""
    return [("UNH", [reference, identifier]), *body, ("UNT", [str(len(body) + 2), reference])]
