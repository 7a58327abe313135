"""Exceptions of the parsers package (parsers layer).

The parser reports what is wrong with an interchange as `SyntaxFinding` values, never as exceptions:
`parse_interchange` raises nothing, whatever the bytes (empty, binary, HL7, truncated, 16 MiB in one segment).
These exceptions exist for callers that prefer to stop at the first problem, through `raise_for_findings`
(modelled on httpx's `Response.raise_for_status`):

    ParseError                     base of the package's errors; carries the findings it stands for
    ├── InterchangeRejected        the interchange, or one of its messages, has syntax findings
    │   └── InterchangeUnreadable  no interchange could be read at all (no UNB): nothing to acknowledge
    └── FeedError                  a reference-data feed (MIG.md §6) cannot be loaded; names the line
        ├── TariffFeedError        the tariff XML is unsafe, invalid against its XSD, or breaks a tariff rule
        └── RatesFeedError         an exchange-rate or interest-rate CSV is malformed

A syntax error carries its UNSL 0085 code and position in the `SyntaxFinding`s it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from parsers.model import SyntaxFinding


class ParseError(Exception):
    """Base of the parsers package's errors; `findings` holds the syntax findings behind it (maybe none)."""

    def __init__(self, message: str, *, findings: Sequence[SyntaxFinding] = ()) -> None:
        super().__init__(message)
        self.findings: tuple[SyntaxFinding, ...] = tuple(findings)


class InterchangeRejected(ParseError):
    """The interchange, or at least one of its messages, failed a syntax check."""


class InterchangeUnreadable(InterchangeRejected):
    """No interchange header could be read: the input cannot be acknowledged as an interchange."""


class FeedError(ParseError):
    """A reference-data feed cannot be loaded; `line` is where the first problem is, when there is one."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TariffFeedError(FeedError):
    """The tariff XML is unsafe (a DOCTYPE), invalid against tariff-1.xsd, or breaks a tariff rule."""


class RatesFeedError(FeedError):
    """An exchange-rate or prescribed-interest CSV is malformed."""
