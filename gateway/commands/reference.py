"""Operator commands for reference data: `tariff load FILE`, `rates load FILE [--interest]` (gateway layer).

MIG.md §6 and §7: a file is read whole, checked by the pure parsers, and loaded in one unit of work, all or
nothing. The command prints what it loaded; an empty, malformed or conflicting file is refused with one
sentence on stderr and exit 1 (a missing file is a usage error, exit 2). The groups are registered on the
root group in `gateway.cli`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from gateway.bootstrap import System
from ledger.errors import LedgerError
from ledger.reference import LoadCounts
from parsers.errors import FeedError
from parsers.rates_csv import parse_exchange_rates, parse_interest_rates
from parsers.tariff_xml import parse_tariff

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@contextmanager
def _refused(file: Path) -> Iterator[None]:
    """Turn a refused feed or load into one sentence and exit 1, whichever group the command is under."""
    try:
        yield
    except (FeedError, LedgerError) as error:
        raise click.ClickException(f"{file.name} was not loaded: {error}") from None


def _system(ctx: click.Context) -> System:
    system = ctx.find_object(System)
    if system is None:
        raise click.UsageError(
            "reference-data commands run under carm-gateway, which sets up the system", ctx
        )
    return system


@click.group()
def tariff() -> None:
    """The Customs Tariff."""


@tariff.command("load")
@click.argument("file", type=FILE)
@click.pass_context
def tariff_load(ctx: click.Context, file: Path) -> None:
    """Load a tariff edition (XML, MIG.md §6); editions load in sequence order, all or nothing."""
    system = _system(ctx)
    data = file.read_bytes()
    with _refused(file):
        edition = parse_tariff(data)
        with system.unit_of_work() as uow:
            uow.reference.load_tariff(edition, hashlib.sha256(data).hexdigest())
            uow.commit()
    click.echo(
        f"tariff {edition.edition} (sequence {edition.sequence}, effective {edition.effective}) loaded: "
        f"{len(edition.treatments)} treatments, {len(edition.items)} items, {edition.rate_count} rates"
    )


@click.group()
def rates() -> None:
    """Bank of Canada exchange rates and prescribed interest rates."""


@rates.command("load")
@click.argument("file", type=FILE)
@click.option(
    "--interest",
    is_flag=True,
    help="FILE holds prescribed interest rates (quarter_start,prescribed_percent[,source_url]).",
)
@click.pass_context
def rates_load(ctx: click.Context, file: Path, interest: bool) -> None:
    """Load exchange rates (date,currency,cad_per_unit) or, with --interest, prescribed interest rates.

    A rate already loaded with the same value is left as it is; a different value refuses the whole file."""
    system = _system(ctx)
    load = _load_interest_rates if interest else _load_exchange_rates
    with _refused(file):
        summary = load(system, file.read_bytes())
    click.echo(summary)


def _load_exchange_rates(system: System, data: bytes) -> str:
    days = parse_exchange_rates(data)
    with system.unit_of_work() as uow:
        counts = uow.reference.load_exchange_rates(days)
        uow.commit()
    currencies = ", ".join(sorted({day.currency for day in days}))
    first, last = min(day.rate_date for day in days), max(day.rate_date for day in days)
    return f"exchange rates loaded ({currencies}; {first} to {last}): {_counts(counts)}"


def _load_interest_rates(system: System, data: bytes) -> str:
    quarters = parse_interest_rates(data)
    with system.unit_of_work() as uow:
        counts = uow.reference.load_interest_rates(quarters)
        uow.commit()
    first, last = min(q.quarter_start for q in quarters), max(q.quarter_start for q in quarters)
    return f"interest rates loaded (quarters {first} to {last}): {_counts(counts)}"


def _counts(counts: LoadCounts) -> str:
    return f"{counts.new} new, {counts.unchanged} unchanged"
