"""Where the interchange header, the messages and the trailer are, from the service tags (parsers layer).

Walks the (index, tag) list of service segments once and says which segments form the UNB, each UNH..UNT
message and the UNZ, and what is out of place: a segment outside any message (code 33), anything after the
UNZ or a second UNB (33, one interchange per file: MIG.md §1), a UNH without UNT (13, that message only), a
missing UNB or UNZ (13), no message at all (32), and functional groups or a UNA after the start (15: the MIG
envelope has no UNG/UNE, and UNA may only open the file).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers import codes
from parsers.codes import SyntaxErrorCode
from parsers.findings import MessageSpan

_NOT_HERE = (codes.UNA, codes.UNG, codes.UNE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Misplaced:
    """A structural finding the layout found, to be filed once message references are known."""

    code: SyntaxErrorCode
    text: str
    index: int | None  # 0-based segment index, None for the interchange as a whole
    tag: str | None = None


@dataclass(slots=True, kw_only=True)
class Layout:
    """The result of the walk."""

    header: int | None = None  # index of the UNB
    trailer: int | None = None  # index of the UNZ
    spans: list[MessageSpan] = field(default_factory=list)
    groups: int = 0  # UNG count (UNZ 0036 counts groups when there are any)
    problems: list[Misplaced] = field(default_factory=list)


def lay_out(service: Iterable[tuple[int, str]], count: int) -> Layout:
    """Lay out `count` segments given the positions of their service segments."""
    walk = _Walk(count)
    for index, tag in service:
        if walk.layout.trailer is not None:
            break
        walk.step(index, tag)
    walk.finish()
    return walk.layout


class _Walk:
    def __init__(self, count: int) -> None:
        self.count = count
        self.layout = Layout()
        self.open: int | None = None  # index of the UNH of the message being read
        self.accounted = -1  # last index known to be inside a message or a service segment

    def step(self, index: int, tag: str) -> None:
        if self.open is not None:
            if tag == codes.UNT:
                self._close(index, closed=True)
                return
            if tag in _NOT_HERE:
                self._problem(
                    SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, f"{tag} inside a message", index, tag
                )
                return
            self._close(index - 1, closed=False)
        self._outside_until(index)
        self.accounted = index
        self._envelope(index, tag)

    def _envelope(self, index: int, tag: str) -> None:
        layout = self.layout
        if tag == codes.UNB:
            if layout.header is None and not layout.spans:
                layout.header = index
            else:
                text = "a second UNB: one interchange per file"
                self._problem(SyntaxErrorCode.INVALID_OCCURRENCE_OUTSIDE_MESSAGE, text, index, tag)
        elif tag == codes.UNH:
            self.open = index
        elif tag == codes.UNZ:
            layout.trailer = index
        elif tag == codes.UNT:
            self._problem(SyntaxErrorCode.INVALID_OCCURRENCE_OUTSIDE_MESSAGE, "UNT without UNH", index, tag)
        else:
            layout.groups += tag == codes.UNG
            self._problem(
                SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION, f"{tag} is not supported here", index, tag
            )

    def _close(self, last: int, *, closed: bool) -> None:
        assert self.open is not None
        self.layout.spans.append(MessageSpan(first=self.open, last=last, closed=closed))
        self.open = None
        self.accounted = last

    def _outside_until(self, index: int) -> None:
        """Segments between the last accounted one and `index` are data outside any message."""
        first = self.accounted + 1
        if index > first:
            text = f"{index - first} segment(s) outside any message"
            self._problem(SyntaxErrorCode.INVALID_OCCURRENCE_OUTSIDE_MESSAGE, text, first, None)

    def finish(self) -> None:
        layout = self.layout
        if self.open is not None:
            self._close(self.count - 1, closed=False)
        if layout.trailer is None:
            self._outside_until(self.count)
            self._problem(SyntaxErrorCode.MISSING, "UNZ interchange trailer is missing", None, codes.UNZ)
        elif layout.trailer < self.count - 1:
            text = f"{self.count - 1 - layout.trailer} segment(s) after UNZ: one interchange per file"
            self._problem(SyntaxErrorCode.INVALID_OCCURRENCE_OUTSIDE_MESSAGE, text, layout.trailer + 1, None)
        if layout.header is None:
            self._problem(SyntaxErrorCode.MISSING, "UNB interchange header is missing", None, codes.UNB)
        elif not layout.spans:
            self._problem(SyntaxErrorCode.LOWER_LEVEL_EMPTY, "the interchange holds no message", None, None)

    def _problem(self, code: SyntaxErrorCode, text: str, index: int | None, tag: str | None) -> None:
        self.layout.problems.append(Misplaced(code=code, text=text, index=index, tag=tag))
