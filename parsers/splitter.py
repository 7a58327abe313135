"""One segment's text to tag, elements and components (parsers layer).

A plain `str.split` when the segment holds neither a release nor a repetition character (nearly all
segments); otherwise one linear regex pass that honours the release character (`?'`, `?+`, `?:`, `??`,
`?*`) and syntax 4 repetitions. A release character before any other character is dropped and the character
kept, as pydifact and most readers do. `position` answers "which element and component is this character
in" by counting separators, without splitting, so it is cheap even on a huge segment.
"""

from __future__ import annotations

import re

from parsers.model import Element, Repetition, ServiceStringAdvice

Split = tuple[str, tuple[Element, ...], tuple[Repetition, ...]]


class Splitter:
    """Splits segment text under one set of service characters."""

    __slots__ = ("_blockers", "_component", "_element", "_pattern")

    def __init__(self, advice: ServiceStringAdvice) -> None:
        self._element = advice.element_separator
        self._component = advice.component_separator
        optional = (advice.release_character, advice.repetition_separator)
        self._blockers = tuple(c for c in optional if c)
        separators = "".join(c for c in (self._element, self._component, advice.repetition_separator) if c)
        separator_group = f"([{re.escape(separators)}])"
        release = advice.release_character
        pattern = f"{re.escape(release)}(.)|{separator_group}" if release else f"(?!)(.)|{separator_group}"
        self._pattern = re.compile(pattern, re.DOTALL)

    def split(self, text: str) -> Split:
        """Tag, elements (first occurrences) and syntax 4 repetitions of one segment's text."""
        for blocker in self._blockers:
            if blocker in text:
                return self._split_released(text)
        parts = text.split(self._element)
        component = self._component
        return parts[0], tuple([tuple(part.split(component)) for part in parts[1:]]), ()

    def position(self, text: str, stop: int) -> tuple[int, int, bool]:
        """Element (0 = the tag) and component of `text[stop]`, and whether its element has other components.

        Counts separators rather than splitting, so it costs nothing to ask about a huge segment.
        """
        if not any(blocker in text for blocker in self._blockers):
            element = text.count(self._element, 0, stop)
            opening = text.rfind(self._element, 0, stop) + 1
            closing = text.find(self._element, stop)
            component = text.count(self._component, opening, stop) + 1
            composite = text.count(self._component, opening, len(text) if closing < 0 else closing) > 0
            return element, component, composite
        return self._position_released(text, stop)

    def _position_released(self, text: str, stop: int) -> tuple[int, int, bool]:
        element, component, composite = 0, 1, False
        for match in self._pattern.finditer(text):
            separator = match.group(2)
            if separator is None:
                continue
            if match.start() >= stop and separator == self._element:
                break
            if separator == self._element:  # checked first, as `split` does, should a UNA make them equal
                element, component, composite = element + 1, 1, False
            elif separator == self._component:
                composite = True
                component += match.start() < stop
            elif match.start() < stop:  # repetition: a new occurrence of the same element
                component = 1
        return element, component, composite

    def _split_released(self, text: str) -> Split:
        elements: list[list[Element]] = []
        occurrences: list[Element] = []
        components: list[str] = []
        pieces: list[str] = []
        last = 0
        for match in self._pattern.finditer(text):
            pieces.append(text[last : match.start()])
            last = match.end()
            released, separator = match.groups()
            if released is not None:
                pieces.append(released)
                continue
            components.append("".join(pieces))
            pieces = []
            if separator == self._component != self._element:  # as `split`, should a UNA make them equal
                continue
            occurrences.append(tuple(components))
            components = []
            if separator == self._element:
                elements.append(occurrences)
                occurrences = []
        pieces.append(text[last:])
        components.append("".join(pieces))
        occurrences.append(tuple(components))
        elements.append(occurrences)
        return _assemble(elements, self._component)


def _assemble(elements: list[list[Element]], component_separator: str) -> Split:
    tag = component_separator.join(elements[0][0])
    data = elements[1:]
    repetitions = tuple((k, tuple(occ)) for k, occ in enumerate(data, 1) if len(occ) > 1)
    return tag, tuple(occ[0] for occ in data), repetitions
