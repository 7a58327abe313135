"""`carm-gateway payments load FILE`: payments received, posted to the importers' accounts (gateway layer).

The CSV (`importer_bn15,date,amount,reference`, `parsers.payments_csv`) is read whole, checked, and posted in
one unit of work, all or nothing (`ledger.payments.post_payments`): a line loaded before is a no-op, a
reference reused for other content or an unregistered importer refuses the file with one sentence and exit 1.
Payments clear the oldest due debt first, as `ledger balance` shows.
"""

from __future__ import annotations

from pathlib import Path

import click

from domain.money import format_cents
from gateway.bootstrap import System
from gateway.commands.reference import FILE, _refused
from ledger.payments import post_payments
from parsers.payments_csv import parse_payments


@click.group()
def payments() -> None:
    """Payments received from importers."""


@payments.command("load")
@click.argument("file", type=FILE)
@click.pass_context
def payments_load(ctx: click.Context, file: Path) -> None:
    """Post the payments of FILE (importer_bn15,date,amount,reference), all or nothing."""
    system = ctx.find_object(System)
    assert system is not None, "payments runs under carm-gateway, which sets up the system"
    with _refused(file):
        loaded = parse_payments(file.read_bytes())
        with system.unit_of_work() as uow:
            counts = post_payments(uow, loaded)
            uow.commit()
    click.echo(
        f"payments loaded: {counts.posted} posted ({format_cents(counts.posted_cents)} CAD), "
        f"{counts.unchanged} already posted"
    )
