"""Rules about a transaction number's history: who owns it, which version comes next (validators layer).

DOMAIN.md "The CAD": the transaction number never changes and is never reused; each correction or
adjustment is a new version that restates every line. MIG.md §2: an original is version 00001, a replace
the previous version + 1. The history of accepted versions comes from the context; the form of the number
and version is the mapper's (`CAD006`, `CAD007`). An exact repeat of an accepted version (same content,
same broker account) is no new use of the number: the pipeline asks `is_exact_repeat` first and answers it
as before, and `validate_cad` reports nothing for it. `is_adjustment` tells a correction (before the payment
due date of the version replaced) from an adjustment (on or after it), for these rules and the response.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from domain.cad import Cad, CadFunction
from domain.findings import Finding
from validators import catalogue
from validators.context import TransactionHistory, ValidationContext, cad_digest
from validators.report import at_header, at_line, finding, function_name, version_text

NUMBER = ("BGM", "2")  # BGM C106/1004: the transaction number
VERSION = ("BGM", "2:2")  # BGM C106/1056: the version
FUNCTION = ("BGM", "3")  # BGM 1225: original, replace or cancel
# [U] DOMAIN.md says a transaction number belongs to one declaration; whether another broker the importer
# delegated to may replace or cancel a CAD filed by the first is not said. Assumption: only the broker
# account that filed it may (its account security number starts the number). Set to False to allow any
# broker holding a delegation (CAD103 still applies).
ONLY_FILING_BROKER_AMENDS: Final[bool] = True


def is_exact_repeat(cad: Cad, context: ValidationContext) -> bool:
    """Whether `cad` is an accepted version sent again by the same broker account, unchanged (a no-op)."""
    history = context.history.get(cad.transaction_number)
    if history is None or history.broker_sender != context.sender_id:
        return False
    digest = cad_digest(cad)
    return any(accepted.version == cad.version and accepted.digest == digest for accepted in history.versions)


def is_adjustment(cad: Cad, context: ValidationContext) -> bool:
    """Whether `cad` replaces a version on or after its payment due date (else a replace is a correction)."""
    history = context.history.get(cad.transaction_number)
    return cad.function is CadFunction.REPLACE and history is not None and context.today >= history.due_date


def _amended(cad: Cad, context: ValidationContext) -> TransactionHistory | None:
    """The history a replace or cancellation amends, if the number has one."""
    if cad.function is CadFunction.ORIGINAL:
        return None
    return context.history.get(cad.transaction_number)


def transaction_number_is_free(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """An original needs an unused number; a replace or cancel, one of its own importer and broker."""
    history = context.history.get(cad.transaction_number)
    if history is None:
        return
    number = cad.transaction_number
    owner = _other_owner(cad, history, context)
    if owner is not None:
        message = f"transaction number {number} belongs to {owner}; a transaction number is never reused"
    elif cad.function is CadFunction.ORIGINAL:
        message = _in_use(number, history)
    else:
        return
    yield finding(catalogue.TRANSACTION_NUMBER_IN_USE, message, at_header(*NUMBER))


def _other_owner(cad: Cad, history: TransactionHistory, context: ValidationContext) -> str | None:
    """Whose the number is, when not this CAD's importer and broker account."""
    if history.importer != cad.importer:
        return "a CAD of another importer"
    if ONLY_FILING_BROKER_AMENDS and history.broker_sender != context.sender_id:
        return "a CAD filed by another broker account"
    return None


def _in_use(number: str, history: TransactionHistory) -> str:
    if history.is_cancelled:
        return f"transaction number {number} was used by a CAD since cancelled, and is never used again"
    return (
        f"transaction number {number} is already used by an accepted CAD; to change it, send a replace "
        f"(BGM function 5) as version {version_text(history.latest_version + 1)}"
    )


def original_is_version_one(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """An original (BGM function 9) is version 00001."""
    if cad.function is CadFunction.ORIGINAL and cad.version != 1:
        message = f"an original is version 00001, not {version_text(cad.version)}"
        yield finding(catalogue.VERSION_OUT_OF_SEQUENCE, message, at_header(*VERSION))


def amendment_names_an_accepted_cad(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A replace or cancellation names a transaction number with an accepted version."""
    if cad.function is not CadFunction.ORIGINAL and cad.transaction_number not in context.history:
        message = (
            f"no CAD has been accepted under transaction number {cad.transaction_number}: "
            f"a {function_name(cad.function)} needs one; a new declaration is an original (BGM function 9)"
        )
        yield finding(catalogue.TRANSACTION_UNKNOWN, message, at_header(*NUMBER))


def cancelled_cad_stays_cancelled(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """Nothing follows a cancellation."""
    history = _amended(cad, context)
    if history is not None and history.is_cancelled:
        message = (
            f"the CAD under transaction number {cad.transaction_number} was cancelled in version "
            f"{version_text(history.latest_version)}: it cannot be {_done_by(cad)}"
        )
        yield finding(catalogue.TRANSACTION_CANCELLED, message, at_header(*FUNCTION))


def _done_by(cad: Cad) -> str:
    return "cancelled again" if cad.is_cancellation else "replaced"


def amendment_is_the_next_version(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A replace or cancellation is the latest accepted version + 1."""
    history = _amended(cad, context)
    if history is None or history.is_cancelled:
        return
    expected = history.latest_version + 1
    if cad.version != expected:
        message = (
            f"version {version_text(cad.version)} does not follow the latest accepted version "
            f"{version_text(history.latest_version)}: this {function_name(cad.function)} must be version "
            f"{version_text(expected)}"
        )
        yield finding(catalogue.VERSION_OUT_OF_SEQUENCE, message, at_header(*VERSION))


def replace_restates_every_line(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """A replace restates every line of the latest version; lines match by number (MIG-NOTES.md 11)."""
    history = _amended(cad, context)
    if cad.function is not CadFunction.REPLACE or history is None or history.is_cancelled:
        return
    sent = {line.line_number for line in cad.lines}
    for previous in history.lines:
        if previous.line_number not in sent:
            message = (
                f"line {previous.line_number} of version {version_text(history.latest_version)} (invoice "
                f"{previous.invoice_number}, line {previous.invoice_line}) is missing from this replace: "
                "restate it, changed or not"
            )
            yield finding(catalogue.LINE_MISSING, message, at_line(previous.line_number, "CST", "1"))
