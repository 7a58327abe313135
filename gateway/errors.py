"""Errors of the gateway shell (gateway layer).

    GatewayError
    ├── SettingsError      a setting is missing or malformed; startup stops with one sentence naming it
    └── UsageError         a command was given something it cannot act on (unknown broker, bad file...)

Business problems never become exceptions (they are `Finding` values); store errors live in
`ledger.errors`.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of the gateway shell's errors; its message is one sentence fit for an operator."""


class SettingsError(GatewayError):
    """A setting is missing or malformed."""


class UsageError(GatewayError):
    """A command cannot act on what it was given."""
