"""How the business rules say what they found and where (validators layer).

A rule reports a `Finding` with a catalogue code and a pointer in the mapper's convention (MIG-NOTES.md "How
a finding points"): a level (header, a line of the detail, summary), the segment by tag and qualifier
(`NAD+IM`, `TAX+5+CUD`, `DTM+11`) and the element counted from 1 after the tag, with the component after a
colon when it is not the first (`BGM/2:2` is the version). The small helpers here also name the values the
rules share: which lines a rule looks at, and how a version number or a date reads in a message.
"""

from __future__ import annotations

from datetime import date

from domain.cad import Cad, CadFunction, CadLine
from domain.findings import CatalogueEntry, Finding, Level, Pointer

_FUNCTION_NAMES = {
    CadFunction.ORIGINAL: "original",
    CadFunction.REPLACE: "replace",
    CadFunction.CANCEL: "cancellation",
}


def finding(entry: CatalogueEntry, message: str, pointer: Pointer) -> Finding:
    """A finding of the catalogue entry `entry`."""
    return Finding(code=entry.code, message=message, pointer=pointer)


def at_header(segment: str, element: str | None = None) -> Pointer:
    return Pointer(level=Level.HEADER, segment=segment, element=element)


def at_line(line_number: int, segment: str, element: str | None = None) -> Pointer:
    """A pointer into line `line_number` (into the detail as a whole if the number is not 1 or more)."""
    number = line_number if line_number >= 1 else None
    return Pointer(level=Level.DETAIL, line_number=number, segment=segment, element=element)


def at_summary(segment: str, element: str | None = None) -> Pointer:
    return Pointer(level=Level.SUMMARY, segment=segment, element=element)


def declared_lines(cad: Cad) -> tuple[CadLine, ...]:
    """The lines the rules about goods apply to: none on a cancellation, whose lines are not assessed."""
    return () if cad.is_cancellation else cad.lines


def version_text(version: int) -> str:
    """A version as BGM writes it: 5 digits, 00001 for the original."""
    return f"{version:05d}"


def function_name(function: CadFunction) -> str:
    """What a version does, in words: original, replace or cancellation."""
    return _FUNCTION_NAMES[function]


def day(on: date) -> str:
    return on.isoformat()


def tariff_treatment_code(declared: str) -> str:
    """A declared treatment as the tariff lists it, without leading zeros: "02" is treatment "2"."""
    if declared.isascii() and declared.isdigit():  # [0-9]+, told without a regex: it runs for every line
        return str(int(declared))
    return declared
