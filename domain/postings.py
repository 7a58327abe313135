"""What an assessed CAD version posts to the accounts-receivable ledger (domain layer).

Every version of a CAD posts only what changed since the version before it (DOMAIN.md "Correction vs
adjustment", DESIGN.md "Storage"): the original posts its whole assessment, a replace the difference per kind
of duty or tax (negative for a refund), a cancellation the opposite of everything posted so far, which is the
last accepted version's assessment because the postings of the earlier versions add up to it. The entry debits
the importer's receivable `AR:<BN15>` and credits one revenue account per kind; a negative amount swaps the
sides. Its kind says why it was posted: the original is an ASSESSMENT, a replace before the payment due date
of the version it replaces a CORRECTION, on or after it an ADJUSTMENT, a cancel a CANCELLATION. Its
idempotency key `cad:<transaction number>:<version>` makes a repeated posting of the same version a no-op.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Protocol

from domain.assessment import NOTHING, Assessment, DutiesAndTaxes
from domain.cad import CadFunction
from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account

REVENUE_DUTY: Final = "REVENUE:DUTY"
REVENUE_GST: Final = "REVENUE:GST"
REVENUE_EXCISE: Final = "REVENUE:EXCISE"
REVENUE_SIMA: Final = "REVENUE:SIMA"
# In the order of DutiesAndTaxes.by_kind(): duty, GST, excise, SIMA.
REVENUE_ACCOUNTS: Final = (REVENUE_DUTY, REVENUE_GST, REVENUE_EXCISE, REVENUE_SIMA)


class Posted(Protocol):
    """What an earlier version stands for: its totals per kind and its payment due date."""

    @property
    def totals(self) -> DutiesAndTaxes: ...

    @property
    def due_date(self) -> dt.date: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviousVersion:
    """An accepted version as the store keeps it (enough to post the next one's difference)."""

    totals: DutiesAndTaxes
    due_date: dt.date


def idempotency_key(transaction_number: str, version: int) -> str:
    """The ledger key of what one CAD version posts: `cad:<transaction number>:<version>`."""
    return f"cad:{transaction_number}:{version}"


def difference(previous: Posted | None, current: Assessment) -> DutiesAndTaxes:
    """What `current` posts per kind: its totals less those of the version it follows (None: nothing before).

    A cancellation is assessed at nothing, so its difference reverses everything posted so far.
    """
    return current.totals - (previous.totals if previous is not None else NOTHING)


def posting_kind(current: Assessment, *, previous: Posted | None, business_date: dt.date) -> EntryKind:
    """Why `current` posts: an assessment, a correction, an adjustment or a cancellation.

    A replace received before the payment due date of the version it replaces is a correction; on or after
    that date, an adjustment (DOMAIN.md "Correction vs adjustment").

    Raises:
        ValueError: a replace or cancel is given without the version it follows.
    """
    if current.function is CadFunction.ORIGINAL:
        return EntryKind.ASSESSMENT
    if previous is None:
        number = current.transaction_number
        raise ValueError(f"a {current.function} of CAD {number} needs the version it follows")
    if current.function is CadFunction.CANCEL:
        return EntryKind.CANCELLATION
    return EntryKind.CORRECTION if business_date < previous.due_date else EntryKind.ADJUSTMENT


def journal_entries_for(
    current: Assessment, *, previous: Posted | None, business_date: dt.date
) -> tuple[JournalEntry, ...]:
    """The journal entry `current` posts (none when nothing changed in any kind of duty or tax).

    Args:
        current: the assessment of the version being posted (a cancellation's assesses nothing).
        previous: the assessment of the last accepted version before it; None for the original.
        business_date: the business day the version is processed (decides correction vs adjustment).

    Raises:
        ValueError: a replace or cancel is given without the version it follows.
    """
    return entry_for(
        importer=current.importer,
        transaction_number=current.transaction_number,
        version=current.version,
        kind=posting_kind(current, previous=previous, business_date=business_date),
        amounts=difference(previous, current),
        business_date=business_date,
        due_date=current.due_date,
    )


def entry_for(
    *,
    importer: str,
    transaction_number: str,
    version: int,
    kind: EntryKind,
    amounts: DutiesAndTaxes,
    business_date: dt.date,
    due_date: dt.date,
) -> tuple[JournalEntry, ...]:
    """The entry posting `amounts` for one CAD version (none when every amount is zero)."""
    lines = journal_lines(importer, amounts)
    if not lines:
        return ()
    entry = JournalEntry(
        account=importer,
        idempotency_key=idempotency_key(transaction_number, version),
        kind=kind,
        business_date=business_date,
        due_date=due_date,
        reference=transaction_number,
        description=f"CAD {transaction_number} version {version:05d}: {kind}",
        lines=lines,
    )
    return (entry,)


def journal_lines(importer: str, amounts: DutiesAndTaxes) -> tuple[JournalLine, ...]:
    """Balanced lines posting `amounts`: revenue credited per kind, the receivable debited with the net.

    A negative amount is a debit of its revenue account; a negative net a credit of the receivable; zero
    amounts make no line, so nothing at all to post gives no lines.
    """
    revenue = tuple(
        _line(account, -cents)
        for account, cents in zip(REVENUE_ACCOUNTS, amounts.by_kind(), strict=True)
        if cents
    )
    if not revenue:
        return ()
    net = amounts.total_cents
    receivable = (_line(receivable_account(importer), net),) if net else ()
    return receivable + revenue


def _line(ledger_account: str, signed_cents: int) -> JournalLine:
    """A debit of a positive amount, a credit of a negative one."""
    if signed_cents >= 0:
        return JournalLine(ledger_account=ledger_account, debit_cents=signed_cents)
    return JournalLine(ledger_account=ledger_account, credit_cents=-signed_cents)
