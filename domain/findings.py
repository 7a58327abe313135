"""Business findings: what a rule found wrong in a declaration, and where (domain layer).

A finding is a value, not an exception (DESIGN.md "Errors in three kinds"): mappers and validators return
every finding they make, each with a stable code from the catalogue, the text a broker sees, and a pointer
to the place in the declaration it concerns - the header, one line of the detail, or the summary, and
optionally the segment and element the mapper read it from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """The part of a declaration a finding concerns."""

    HEADER = "header"
    DETAIL = "detail"
    SUMMARY = "summary"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pointer:
    """Where a finding is: a level, the declaration line number (detail only), a segment and an element.

    `str()` reads as a broker would look for it: "line 3, CST/2", "header, BGM", "summary".
    """

    level: Level
    line_number: int | None = None
    segment: str | None = None
    element: str | None = None

    def __post_init__(self) -> None:
        if self.line_number is not None and (self.level is not Level.DETAIL or self.line_number < 1):
            raise ValueError(f"a line number ({self.line_number}) points into the detail and counts from 1")

    def __str__(self) -> str:
        place = str(self.level) if self.line_number is None else f"line {self.line_number}"
        field = "/".join(part for part in (self.segment, self.element) if part)
        return f"{place}, {field}" if field else place


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A business problem: its catalogue code, the message a broker reads, and where it is."""

    code: str
    message: str
    pointer: Pointer

    def __str__(self) -> str:
        return f"{self.code} at {self.pointer}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueEntry:
    """One published error: its code, a title, and what it means for the broker."""

    code: str
    title: str
    text: str


class Catalogue:
    """A set of entries with unique codes, iterated in code order."""

    def __init__(self, entries: Iterable[CatalogueEntry]) -> None:
        self._entries: dict[str, CatalogueEntry] = {}
        for entry in entries:
            if entry.code in self._entries:
                raise ValueError(f"catalogue code {entry.code} is defined twice")
            self._entries[entry.code] = entry

    def __getitem__(self, code: str) -> CatalogueEntry:
        return self._entries[code]

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __iter__(self) -> Iterator[CatalogueEntry]:
        return iter(sorted(self._entries.values(), key=lambda entry: entry.code))

    def __len__(self) -> int:
        return len(self._entries)

    def extended(self, entries: Iterable[CatalogueEntry]) -> Catalogue:
        """This catalogue with more entries (whose codes must be new)."""
        return Catalogue([*self, *entries])
