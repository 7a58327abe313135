"""Errors of the store (ledger layer).

    LedgerError
    ├── StoreUnavailable        the database cannot be reached or went away: retry later, never reject
    ├── AppendOnlyViolation     something tried to update or delete a journal row
    ├── UnbalancedEntry         a journal entry whose debits do not equal its credits
    ├── IdempotencyConflict     an idempotency key seen before, with different content
    │   └── RateConflict        a reference rate already loaded with a different value
    ├── EditionOutOfSequence    a tariff edition that is not the next in sequence (a gap or a repeat)
    ├── NotFound                a broker, importer or file named by an operator does not exist
    └── AlreadyExists           a broker, importer or key that is already registered

Every message is one sentence an operator can act on.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of the store's errors."""


class StoreUnavailable(LedgerError):
    """The database cannot be reached; the work is retried, never turned into a rejection."""


class AppendOnlyViolation(LedgerError):
    """The journal is append-only: no update, no delete."""


class UnbalancedEntry(LedgerError):
    """A journal entry's debits and credits differ."""


class IdempotencyConflict(LedgerError):
    """The idempotency key was used before for different content."""


class NotFound(LedgerError):
    """The named record does not exist."""


class AlreadyExists(LedgerError):
    """The record is already registered."""


class RateConflict(IdempotencyConflict):
    """A rate already loaded for the same key with a different value."""


class EditionOutOfSequence(LedgerError):
    """A tariff edition that is not the next in sequence (a gap or a repeat)."""
