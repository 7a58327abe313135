"""Segments back to EDIFACT text, through pydifact's serializer (parsers layer).

pydifact's `Serializer` escapes the release character, both separators and the terminator correctly, so it
is used here rather than re-implemented; our `Segment` values are converted to pydifact segments at this
boundary and pydifact objects never leave the module. Its one liberty is dropping trailing empty components
(`RFF+VA:1:` becomes `RFF+VA:1`), which ISO 9735 allows. It knows nothing of syntax 4 repetitions, so a
segment carrying `repetitions` is refused (ValueError) rather than written without them, and it warns
(SyntaxWarning) about a segment without elements. Tests build interchanges with it; the CONTRL/CUSRES
writers may too.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydifact.control.characters import Characters
from pydifact.segments import Segment as PydifactSegment
from pydifact.serializer import Serializer

from parsers.model import Segment, ServiceStringAdvice


def render_segments(
    segments: Iterable[Segment],
    advice: ServiceStringAdvice = ServiceStringAdvice(),  # noqa: B008  (a frozen value: safe as a default)
    *,
    with_una: bool = True,
    line_breaks: bool = False,
) -> str:
    """EDIFACT text for `segments` under `advice`, with a UNA first when asked.

    Raises:
        ValueError: a segment has syntax 4 repetitions, or `advice` has no release character (pydifact
            always escapes with one).
    """
    if advice.release_character is None:
        raise ValueError("pydifact's serializer needs a release character")
    characters = Characters.from_str(
        advice.component_separator
        + advice.element_separator
        + advice.decimal_mark
        + advice.release_character
        + (advice.repetition_separator or " ")
        + advice.segment_terminator
    )
    converted = [_to_pydifact(segment) for segment in segments]
    text: str = Serializer(characters).serialize(converted, with_una_header=with_una, break_lines=line_breaks)
    return text


def _to_pydifact(segment: Segment) -> PydifactSegment:
    if segment.repetitions:
        raise ValueError(f"{segment.tag} has syntax 4 repetitions, which pydifact cannot write")
    elements = [element[0] if len(element) == 1 else list(element) for element in segment.elements]
    return PydifactSegment(segment.tag, *elements)
