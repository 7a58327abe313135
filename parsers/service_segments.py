"""Element tables of the service segments UNB, UNH, UNT, UNZ and the check against them (parsers layer).

Status, representation and length of every data element, from ISO 9735 syntax 3 and syntax 4 release 2 as
given by UNSL.96B and StAEDI's control schemas (`ext/xlate__staedi/schemas/v3.xml`, `v4r02.xml`). The check
reports code 13 for a missing mandatory element or component, 16 for too many elements or components (or a
repeated element), 39 too
long, 40 too short and 37 for a wrong type of character (digits in an `a` element, non-digits in `n`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from parsers.codes import SyntaxErrorCode
from parsers.model import Segment


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """A simple data element or a component: its ISO 9735 id, status and representation."""

    name: str  # data element number, e.g. "0020"
    required: bool
    kind: str  # "a" alphabetic, "n" numeric, "an" alphanumeric
    min_length: int
    max_length: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ElementSpec:
    """One position of a segment: a simple element (one item) or a composite (several)."""

    name: str
    required: bool
    items: tuple[Item, ...]
    composite: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """A finding about one segment, positioned within it (positions 1-based, None when not applicable)."""

    code: SyntaxErrorCode
    text: str
    element: int | None = None
    component: int | None = None


def _item(spec: str) -> Item:
    """'0004 an..35 M' -> Item; 'n6' means exactly 6, 'an..35' at most 35."""
    name, representation, status = spec.split()
    kind, _, length = representation.partition("..")
    if length:
        return Item(name=name, required=status == "M", kind=kind, min_length=0, max_length=int(length))
    letters = kind.rstrip("0123456789")
    size = int(kind[len(letters) :])
    return Item(name=name, required=status == "M", kind=letters, min_length=size, max_length=size)


def _simple(spec: str) -> ElementSpec:
    item = _item(spec)
    return ElementSpec(name=item.name, required=item.required, items=(item,), composite=False)


def _composite(name: str, status: str, *items: str) -> ElementSpec:
    return ElementSpec(name=name, required=status == "M", items=tuple(map(_item, items)), composite=True)


def _if(condition: bool, *items: str) -> tuple[str, ...]:
    return items if condition else ()


def _unb(version: str) -> tuple[ElementSpec, ...]:
    v4 = version == "4"
    party = "an..35" if v4 else "an..14"  # 0008/0014 routing addresses widened in syntax 4
    s001_extra = _if(v4, "0080 an..6 C", "0133 an..3 C", "0076 an2 C")
    s002 = ("0004 an..35 M", "0007 an..4 C", f"0008 {party} C", *_if(v4, "0042 an..35 C"))
    s003 = ("0010 an..35 M", "0007 an..4 C", f"0014 {party} C", *_if(v4, "0046 an..35 C"))
    return (
        _composite("S001", "M", "0001 a4 M", "0002 n1 M", *s001_extra),
        _composite("S002", "M", *s002),
        _composite("S003", "M", *s003),
        _composite("S004", "M", f"0017 n{8 if v4 else 6} M", "0019 n4 M"),  # date CCYYMMDD (4) or YYMMDD (3)
        _simple("0020 an..14 M"),
        _composite("S005", "C", "0022 an..14 M", "0025 an2 C"),
        _simple("0026 an..14 C"),
        _simple("0029 a1 C"),
        _simple("0031 n1 C"),
        _simple("0032 an..35 C"),
        _simple("0035 n1 C"),
    )  # fmt: skip


def _unh(version: str) -> tuple[ElementSpec, ...]:
    v4 = version == "4"
    s009_extra = _if(v4, "0110 an..6 C", "0113 an..6 C")
    common = (
        _simple("0062 an..14 M"),
        _composite("S009", "M", "0065 an..6 M", "0052 an..3 M", "0054 an..3 M",
                   f"0051 an..{3 if v4 else 2} M", "0057 an..6 C", *s009_extra),
        _simple("0068 an..35 C"),
        _composite("S010", "C", "0070 n..2 M", "0073 a1 C"),
    )  # fmt: skip
    if not v4:
        return common
    return (
        *common,
        _composite("S016", "C", "0115 an..14 M", "0116 an..3 C", "0118 an..3 C", "0051 an..3 C"),
        _composite("S017", "C", "0121 an..14 M", "0122 an..3 C", "0124 an..3 C", "0051 an..3 C"),
        _composite("S018", "C", "0127 an..14 M", "0128 an..3 C", "0130 an..3 C", "0051 an..3 C"),
    )


def _unt(version: str) -> tuple[ElementSpec, ...]:
    return (_simple(f"0074 n..{10 if version == '4' else 6} M"), _simple("0062 an..14 M"))


def _unz(version: str) -> tuple[ElementSpec, ...]:
    return (_simple("0036 n..6 M"), _simple("0020 an..14 M"))


SPECS = {
    (tag, version): build(version)
    for tag, build in (("UNB", _unb), ("UNH", _unh), ("UNT", _unt), ("UNZ", _unz))
    for version in ("3", "4")
}


@lru_cache(maxsize=64)
def clean_pattern(tag: str, version: str, element: str, component: str) -> re.Pattern[str]:
    """A pattern matching the text of a `tag` segment exactly when `check_service_segment` passes it.

    Only for text holding no release or repetition character (those need the full split). It lets the
    envelope skip the element-by-element check for the many UNH/UNT segments that are fine.
    """
    specs = SPECS[tag, "4" if version == "4" else "3"]
    e, c = re.escape(element), re.escape(component)
    tail = ""
    for number in range(len(specs), 0, -1):
        content = _element_pattern(specs[number - 1], c, f"{e}{c}")
        if all(not spec.required for spec in specs[number - 1 :]):
            tail = f"(?:{e}(?:{content})?{tail})?"
        else:
            tail = f"{e}{content}{tail}" if specs[number - 1].required else f"{e}(?:{content})?{tail}"
    return re.compile(re.escape(tag) + tail)


def _element_pattern(spec: ElementSpec, component: str, separators: str) -> str:
    items = spec.items
    tail = ""
    for number in range(len(items), 1, -1):
        value = _value_pattern(items[number - 1], separators)
        if all(not item.required for item in items[number - 1 :]):
            tail = f"(?:{component}(?:{value})?{tail})?"
        else:
            tail = f"{component}{value if items[number - 1].required else f'(?:{value})?'}{tail}"
    first = _value_pattern(items[0], separators)
    return (first if items[0].required else f"(?:{first})?") + tail


def _value_pattern(item: Item, separators: str) -> str:
    character = {"n": "[0-9]", "a": f"[^0-9{separators}]"}.get(item.kind, f"[^{separators}]")
    return f"{character}{{{max(item.min_length, 1)},{item.max_length}}}"


def check_service_segment(segment: Segment, version: str) -> Iterator[Problem]:
    """Every element-level problem of a UNB/UNH/UNT/UNZ segment, checked against syntax `version`."""
    specs = SPECS.get((segment.tag, "4" if version == "4" else "3"), ())
    if len(segment.elements) > len(specs) and specs:
        yield Problem(
            code=SyntaxErrorCode.TOO_MANY_CONSTITUENTS,
            text=f"{segment.tag} has {len(segment.elements)} data elements, at most {len(specs)} allowed",
            element=len(specs) + 1,
        )
    for position, occurrences in segment.repetitions:  # syntax 4 '*': no service element repeats
        text = f"{segment.tag} element {position} is repeated {len(occurrences)} times"
        yield Problem(code=SyntaxErrorCode.TOO_MANY_CONSTITUENTS, text=text, element=position)
    for position, spec in enumerate(specs, 1):
        yield from _check_element(segment, position, spec)


def _check_element(segment: Segment, position: int, spec: ElementSpec) -> Iterator[Problem]:
    element = segment.element(position)
    if not any(element):
        if spec.required:
            yield Problem(
                code=SyntaxErrorCode.MISSING, text=f"{segment.tag} {spec.name} is missing", element=position
            )
        return
    if len(element) > len(spec.items):
        text = f"{segment.tag} {spec.name} has {len(element)} components, at most {len(spec.items)} allowed"
        component = len(spec.items) + 1 if spec.composite else None
        yield Problem(
            code=SyntaxErrorCode.TOO_MANY_CONSTITUENTS, text=text, element=position, component=component
        )
    for number, item in enumerate(spec.items, 1):
        value = element[number - 1] if number <= len(element) else ""
        component = number if spec.composite else None
        for code, text in _check_value(value, item):
            yield Problem(
                code=code, text=f"{segment.tag} {item.name} {text}", element=position, component=component
            )


def _check_value(value: str, item: Item) -> Iterator[tuple[SyntaxErrorCode, str]]:
    if not value:
        if item.required:
            yield SyntaxErrorCode.MISSING, "is missing"
        return
    if len(value) > item.max_length:
        yield SyntaxErrorCode.DATA_ELEMENT_TOO_LONG, f"{value!r} is longer than {item.max_length}"
    elif len(value) < item.min_length:
        yield SyntaxErrorCode.DATA_ELEMENT_TOO_SHORT, f"{value!r} is shorter than {item.min_length}"
    if item.kind == "n" and not (value.isascii() and value.isdigit()):
        yield SyntaxErrorCode.INVALID_CHARACTER_TYPE, f"{value!r} must be numeric"
    elif item.kind == "a" and any("0" <= c <= "9" for c in value):
        yield SyntaxErrorCode.INVALID_CHARACTER_TYPE, f"{value!r} must be alphabetic"
