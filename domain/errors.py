"""The exceptions of the domain layer: what the pure core raises when a value cannot exist.

Business problems found in a declaration are not exceptions but `domain.findings.Finding` values; an
exception here means a value was asked to be built from text or numbers that break its own rules (a
malformed identifier, a failed check digit). The tree:

* DomainError - base of every exception the domain layer raises on purpose.
  + InvalidIdentifier - an identifier's text breaks its format or check digit (carries `kind`, `value`).
  + InvalidReferenceData - a tariff, rate or treatment value breaks its own rules.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every exception the domain layer raises on purpose."""


class InvalidIdentifier(DomainError):
    """An identifier's text breaks its format, check digit or role.

    Attributes:
        kind: which identifier was expected, as a broker would name it ("BN15", "transaction number").
        value: the text that was refused, unchanged.
        reason: what is wrong with it, phrased to follow the value ("fails its check digit").
    """

    def __init__(self, kind: str, value: str, reason: str) -> None:
        # args hold the constructor's arguments, so the exception pickles and copies faithfully.
        super().__init__(kind, value, reason)
        self.kind = kind
        self.value = value
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.kind} {self.value!r} {self.reason}"


class InvalidReferenceData(DomainError):
    """A tariff, rate or treatment value breaks its own rules (the message says which and why)."""
