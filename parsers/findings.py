"""Collects syntax findings and files each under its message or under the interchange (parsers layer).

A finding is raised with the 0-based index of the segment it is about; the sink turns that into CONTRL's
coordinates (MIG.md §3): inside a UNH..UNT range it becomes a message finding with `segment_position` counted
from UNH = 1, so that the message is rejected alone; anywhere else it is an interchange finding. Both carry
`interchange_index`, the segment's 1-based position in the file. Each scope keeps at most `limit` findings
(CONTRL repeats UCS at most 999 times, and a garbage file must not grow one finding per byte); past it, a
last finding with code 18 says that more were left out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.codes import SyntaxErrorCode
from parsers.model import SyntaxFinding

MAX_FINDINGS = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSpan:
    """Where one message lies: 0-based indices of its UNH and of its UNT (or last segment if UNT is lost)."""

    first: int
    last: int
    closed: bool  # False when the UNT is missing


class FindingSink:
    """Findings per message and for the interchange, each scope capped at `limit`."""

    def __init__(
        self, spans: Sequence[MessageSpan], reference_of: Callable[[int], str], *, limit: int = MAX_FINDINGS
    ) -> None:
        self._spans = spans
        self._reference_of = reference_of  # UNH 0062 of a message, read only when a finding needs it
        self._references: dict[int, str] = {}
        self._firsts = [span.first for span in spans]
        self._limit = limit
        self._scopes: list[list[SyntaxFinding]] = [[] for _ in range(len(spans) + 1)]  # last: interchange
        self._omitted = [False] * (len(spans) + 1)

    def scope_of(self, index: int | None) -> int | None:
        """The message (0-based) holding segment `index`, or None for the interchange level."""
        if index is None:
            return None
        k = bisect_right(self._firsts, index) - 1
        return k if k >= 0 and index <= self._spans[k].last else None

    def full(self, message: int | None) -> bool:
        """True when the scope has reached its limit (further findings would only be counted)."""
        return len(self._scopes[-1 if message is None else message]) >= self._limit

    def add(
        self,
        code: SyntaxErrorCode,
        text: str,
        *,
        index: int | None = None,
        tag: str | None = None,
        element: int | None = None,
        component: int | None = None,
        message: int | None = None,
    ) -> None:
        """Record a finding about segment `index` (or about `message`, or the interchange, when None)."""
        scope = self.scope_of(index) if message is None else message
        slot = -1 if scope is None else scope
        if self.full(scope):
            self._omitted[slot] = True
            return
        span = None if scope is None else self._spans[scope]
        self._scopes[slot].append(
            SyntaxFinding(
                code=code.value,
                text=text,
                message_ref=None if scope is None else self._reference(scope),
                segment_position=index - span.first + 1 if span and index is not None else None,
                segment_tag=tag,
                element_position=element,
                component_position=component,
                interchange_index=None if index is None else index + 1,
            )
        )

    def skip(self, message: int | None) -> None:
        """Note that a full scope had more findings, left unlisted."""
        self._omitted[-1 if message is None else message] = True

    def resume_after(self, index: int) -> int | None:
        """The first segment index past the scope of `index` (None: nothing further to resume at)."""
        scope = self.scope_of(index)
        if scope is not None:
            return self._spans[scope].last + 1
        following = bisect_right(self._firsts, index)
        return self._firsts[following] if following < len(self._firsts) else None

    def message_findings(self, message: int) -> tuple[SyntaxFinding, ...]:
        return self._close(message)

    def interchange_findings(self) -> tuple[SyntaxFinding, ...]:
        return self._close(-1)

    def _close(self, slot: int) -> tuple[SyntaxFinding, ...]:
        # In file order, findings about the whole scope (no segment) last, as CONTRL lists UCS by position.
        findings = tuple(sorted(self._scopes[slot], key=_file_order))
        if not self._omitted[slot]:
            return findings
        more = SyntaxFinding(
            code=SyntaxErrorCode.UNSPECIFIED.value,
            text=f"more syntax findings not listed (at most {self._limit} per message or interchange)",
            message_ref=None if slot == -1 else self._reference(slot),
        )
        return (*findings, more)

    def _reference(self, message: int) -> str:
        if message not in self._references:
            self._references[message] = self._reference_of(message)
        return self._references[message]


def _file_order(finding: SyntaxFinding) -> tuple[bool, int]:
    index = finding.interchange_index
    return index is None, index or 0
