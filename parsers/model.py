"""The syntax tree the parser hands to the rest of the gateway (parsers layer).

Plain frozen values with positions, so that mappers and the CONTRL writer never see pydifact objects and
every finding can point at the segment, element and component it is about (MIG.md §3: segment position
counted from UNH = 1, element and component positions counted from 1). `slot_setters` lets the per-segment
loops of the parser build such values without the frozen dataclass's slower keyword constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

# An element is a tuple of components; a simple data element is a 1-tuple. Syntax 4 repetitions are kept as
# separate elements of the repeated position in `repetitions`, keyed by element index (rarely used by CAD10).
Element = tuple[str, ...]
# (element position, every occurrence of that element in order): only for positions that were repeated.
Repetition = tuple[int, tuple[Element, ...]]

CONTRL_MESSAGE_TYPE = "CONTRL"  # UNH S009/0065 of the syntax and service report message

SlotSetter = Callable[[Any, Any], None]


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[SlotSetter, ...] | None:
    """The setters of the slots of the frozen slots dataclass `cls`, in the order of `names`.

    The parser builds one `Segment` per segment read, and a frozen dataclass's keyword `__init__` costs
    about 1 µs, which dominates walking millions of segments; setting the slots of `object.__new__(cls)`
    directly gives the same frozen, equal, hashable value. None when `names` are no longer exactly the
    fields of `cls`, so that the caller falls back to the constructor.
    """
    if tuple(f.name for f in fields(cls)) != names:
        return None
    return tuple(getattr(cls, name).__set__ for name in names)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """One segment as received: tag, elements (components already unescaped), and where it stood."""

    tag: str
    elements: tuple[Element, ...]
    index: int  # 1-based position of the segment in the interchange (UNA not counted)
    offset: int  # byte offset of the segment's first character in the received file
    line: int = 1  # 1-based line of the file where the segment starts (files with line breaks)
    # Syntax 4 repetition separator ('*'): `elements` holds the first occurrence of a repeated element, this
    # holds all of them, e.g. ATT+2++M*F' -> elements[2] == ("M",), repetitions == ((3, (("M",), ("F",))),)
    repetitions: tuple[Repetition, ...] = ()

    def occurrences(self, position: int) -> tuple[Element, ...]:
        """Every occurrence of the element at 1-based `position` (one unless syntax 4 repeated it)."""
        for repeated_position, occurrences in self.repetitions:
            if repeated_position == position:
                return occurrences
        element = self.element(position)
        return (element,) if element else ()

    def element(self, position: int) -> Element:
        """The element at 1-based `position` (after the tag), or an empty tuple when absent."""
        return self.elements[position - 1] if 0 < position <= len(self.elements) else ()

    def component(self, position: int, component: int = 1) -> str:
        """The component at 1-based positions, or "" when absent."""
        # Indexes `elements` itself rather than calling `element`: mappers read components by the million.
        elements = self.elements
        if 0 < position <= len(elements):
            element = elements[position - 1]
            if 0 < component <= len(element):
                return element[component - 1]
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceStringAdvice:
    """The UNA characters in force (the defaults when the file has no UNA)."""

    component_separator: str = ":"
    element_separator: str = "+"
    decimal_mark: str = "."
    release_character: str | None = "?"
    repetition_separator: str | None = None  # UNA position 5: ' ' (reserved) in syntax 3, '*' in syntax 4
    segment_terminator: str = "'"


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntaxFinding:
    """A syntax error with its UN/EDIFACT code (UNSL 0085) and where it is.

    `segment_position` counts from UNH = 1 inside a message (as CONTRL's UCS wants) and is None for an
    interchange-level finding; `interchange_index` is the segment's position in the whole file.
    """

    code: str
    text: str
    message_ref: str | None = None
    segment_position: int | None = None
    segment_tag: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    interchange_index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One UNH..UNT message: its reference, type identifier and segments (UNH and UNT included)."""

    reference: str
    message_type: str  # e.g. "CUSDEC"
    version: str  # e.g. "D"
    release: str  # e.g. "16A"
    agency: str  # e.g. "UN"
    association_code: str  # e.g. "CAD10"
    # A tuple, or the parser's lazy sequence that builds each Segment when it is read (so that a 50 MB
    # interchange does not sit in memory as millions of objects); iterate it, index it, or tuple() it.
    segments: Sequence[Segment]
    findings: tuple[SyntaxFinding, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        return not self.findings

    @property
    def is_contrl(self) -> bool:
        """True for a CONTRL message (a syntax acknowledgement, never itself acknowledged: MIG.md §3)."""
        return self.message_type == CONTRL_MESSAGE_TYPE


@dataclass(frozen=True, slots=True, kw_only=True)
class Interchange:
    """A whole interchange: envelope values, its messages, and findings about the envelope itself."""

    syntax_identifier: str  # UNOA, UNOB, UNOC
    syntax_version: str  # "3" or "4"
    sender_id: str
    sender_qualifier: str
    recipient_id: str
    recipient_qualifier: str
    prepared: str  # date:time as received
    control_reference: str
    application_reference: str
    test_indicator: bool
    service_string_advice: ServiceStringAdvice
    messages: tuple[Message, ...]
    findings: tuple[SyntaxFinding, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        return not self.findings

    @property
    def readable(self) -> bool:
        """True when the UNB gave a sender and a control reference, i.e. there is someone to acknowledge."""
        return bool(self.sender_id and self.control_reference)

    @property
    def is_contrl(self) -> bool:
        """True when the interchange carries CONTRL messages: the gateway must not answer it with a CONTRL."""
        return any(message.is_contrl for message in self.messages)
