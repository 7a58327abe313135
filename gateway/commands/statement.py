"""`carm-gateway ledger statement BN15 --period YYYY-MM --format html|pdf [--output FILE]` (gateway layer).

Renders, for a person, the statement of account the monthly batch sends brokers as XML: the same checked
`Statement` (opening balance + movements = the ledger's closing balance, every entry re-hashed), for the
billing period that ends on the 17th of YYYY-MM. HTML or PDF, to FILE or to standard output.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from domain.identifiers import ProgramAccount
from domain.statement import period_ending
from gateway.bootstrap import System
from gateway.errors import UsageError
from outbound.statement_html import render_statement_html
from outbound.statement_pdf import render_statement_pdf
from schedules.statements import statement_of

PERIOD = re.compile(r"(\d{4})-(\d{2})")


@click.command("statement")
@click.argument("bn15")
@click.option("--period", required=True, help="YYYY-MM: the billing period ending on the 17th of that month.")
@click.option(
    "--format", "output_format", type=click.Choice(["html", "pdf"]), default="html", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout)."
)
@click.pass_context
def statement(ctx: click.Context, bn15: str, period: str, output_format: str, output: Path | None) -> None:
    """Render importer BN15's statement of account for a billing period, for people."""
    system = ctx.find_object(System)
    assert system is not None, "statement runs under carm-gateway, which sets up the system"
    account = str(ProgramAccount.parse_importer(bn15))
    billing = period_ending(*_year_month(period))
    with system.unit_of_work() as uow:
        checked = statement_of(uow, account, billing)
    content = (
        render_statement_pdf(checked) if output_format == "pdf" else render_statement_html(checked).encode()
    )
    if output is None:
        click.echo(content, nl=False)  # bytes go to the binary stdout as they are
        return
    output.write_bytes(content)
    click.echo(f"statement of {account} for {billing} written to {output}", err=True)


def _year_month(text: str) -> tuple[int, int]:
    match = PERIOD.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise UsageError(f"--period must be YYYY-MM, e.g. {dt.date(2025, 7, 1):%Y-%m}, not {text!r}.")
    return int(match[1]), int(match[2])
