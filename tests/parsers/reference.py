"""A deliberately naive, character-by-character EDIFACT reader, the oracle of the property tests (test
helper). It states the tokenizer's rules in the plainest way: a release character takes the next character
literally; a segment ends at a terminator that was not released; line breaks are skipped where a segment
would start; text after the last terminator is a segment unless it is only line breaks (which are dropped
from its end too).
"""

from __future__ import annotations

from parsers.model import Element, Repetition

Split = tuple[str, tuple[Element, ...], tuple[Repetition, ...]]


def segment_spans(
    text: str, begin: int, terminator: str, release: str | None, breaks: str
) -> tuple[list[tuple[int, int]], bool]:
    """(start, end) of every segment from `begin`, and whether the last one is unterminated."""
    spans: list[tuple[int, int]] = []
    position, start = begin, None
    while position < len(text):
        char = text[position]
        if start is None:
            if char in breaks:
                position += 1
                continue
            start = position
        if release and char == release and position + 1 < len(text):
            position += 2
            continue
        if char == terminator:
            spans.append((start, position))
            start = None
        position += 1
    if start is None:
        return spans, False
    content = text[start:].rstrip(breaks)
    if not content:
        return spans, False
    spans.append((start, start + len(content)))
    return spans, True


def split(text: str, element: str, component: str, release: str | None, repetition: str | None) -> Split:
    """Tag, first occurrences of the elements, and the repeated ones, of one segment's text."""
    elements: list[list[list[str]]] = [[[""]]]
    position = 0
    while position < len(text):
        char = text[position]
        if release and char == release and position + 1 < len(text):
            elements[-1][-1][-1] += text[position + 1]
            position += 2
            continue
        if char == element:
            elements.append([[""]])
        elif char == component:
            elements[-1][-1].append("")
        elif repetition and char == repetition:
            elements[-1].append([""])
        else:
            elements[-1][-1][-1] += char
        position += 1
    data = elements[1:]
    repeated = tuple(
        (k, tuple(map(tuple, occurrences))) for k, occurrences in enumerate(data, 1) if len(occurrences) > 1
    )
    return component.join(elements[0][0]), tuple(tuple(occurrences[0]) for occurrences in data), repeated
