"""`carm-gateway adjustment approve|reject TXN VERSION`: an officer's decision on an adjustment under review
(gateway layer).

An adjustment (a replace on or after the payment due date, DOMAIN.md) is answered `CA` and recorded under
review, unposted. Approving it posts the difference from the last posted version, as an ADJUSTMENT entry
dated the business day of approval; rejecting it leaves the ledger as it was and the version standing for
nothing (its number stays used). A version superseded by a later one can no longer be approved.
"""

from __future__ import annotations

import click

from domain.assessment import NOTHING
from domain.journal import EntryKind
from domain.postings import entry_for
from gateway.bootstrap import System
from gateway.context import REJECTED_ADJUSTMENT, previous_version, totals_of
from gateway.errors import UsageError
from ledger.cads import CadVersionRecord
from ledger.errors import NotFound
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from validators.context import TransactionStatus

UNDER_REVIEW = TransactionStatus.UNDER_REVIEW.value


@click.group()
def adjustment() -> None:
    """Adjustments under review."""


@adjustment.command()
@click.argument("transaction_number")
@click.argument("version", type=int)
@click.pass_context
def approve(ctx: click.Context, transaction_number: str, version: int) -> None:
    """Approve an adjustment under review and post it."""
    system = ctx.find_object(System)
    assert system is not None, "adjustment runs under carm-gateway, which sets up the system"
    with system.unit_of_work() as uow:
        posted = approve_adjustment(uow, transaction_number, version, system)
        uow.commit()
    click.echo(
        f"adjustment {transaction_number} version {version:05d} approved: {posted / 100:,.2f} CAD posted"
    )


@adjustment.command()
@click.argument("transaction_number")
@click.argument("version", type=int)
@click.pass_context
def reject(ctx: click.Context, transaction_number: str, version: int) -> None:
    """Reject an adjustment under review; nothing is posted."""
    system = ctx.find_object(System)
    assert system is not None, "adjustment runs under carm-gateway, which sets up the system"
    with system.unit_of_work() as uow:
        under_review(uow, transaction_number, version)
        uow.cads.set_status(transaction_number, version, REJECTED_ADJUSTMENT)
        uow.commit()
    click.echo(f"adjustment {transaction_number} version {version:05d} rejected: nothing posted")


def approve_adjustment(
    uow: SqlAlchemyUnitOfWork, transaction_number: str, version: int, system: System
) -> int:
    """Post an adjustment under review; the cents posted (negative for a refund)."""
    target, records = under_review(uow, transaction_number, version)
    previous = previous_version({transaction_number: records}, transaction_number, version)
    amounts = totals_of(target) - (previous.totals if previous else NOTHING)
    for entry in entry_for(
        importer=target.importer_bn15,
        transaction_number=transaction_number,
        version=version,
        kind=EntryKind.ADJUSTMENT,
        amounts=amounts,
        business_date=system.clock.today(),
        due_date=target.due_date,
    ):
        uow.journal.post(entry)
    uow.cads.set_status(transaction_number, version, TransactionStatus.ACCEPTED.value)
    return amounts.total_cents


def under_review(
    uow: SqlAlchemyUnitOfWork, transaction_number: str, version: int
) -> tuple[CadVersionRecord, list[CadVersionRecord]]:
    records = uow.cads.histories([transaction_number]).get(transaction_number, [])
    target = next((r for r in records if r.version == version), None)
    if target is None:
        raise NotFound(f"CAD {transaction_number} has no version {version:05d}.")
    if target.status != UNDER_REVIEW:
        raise UsageError(
            f"CAD {transaction_number} version {version:05d} is {target.status}, not under review."
        )
    later = [r.version for r in records if r.version > version and r.status != REJECTED_ADJUSTMENT]
    if later:
        raise UsageError(
            f"CAD {transaction_number} version {version:05d} was superseded by version {max(later):05d}."
        )
    return target, records
