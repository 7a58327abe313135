"""`carm-gateway batch run NAME --date YYYY-MM-DD [--force]`: one batch for one business date (gateway
layer).

MIG.md §7. The command runs the very code the scheduler runs (`schedules.runner.run_batch`): a date already
done is left alone unless `--force` adds a new attempt; a run that was killed or lost its database resumes
where it stopped; a failure is recorded in `batch_run` and reported as one sentence with exit 1.
"""

from __future__ import annotations

import datetime as dt

import click

from gateway.bootstrap import System
from schedules.errors import ScheduleError
from schedules.jobs import JOBS
from schedules.runner import run_batch


@click.group()
def batch() -> None:
    """Scheduled batches: daily notices, statements, interest, RPP review."""


@batch.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option(
    "--date", "business_date", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD"
)
@click.option("--force", is_flag=True, help="Run again even if the batch already ran for that date.")
@click.pass_context
def batch_run(ctx: click.Context, name: str, business_date: dt.datetime, force: bool) -> None:
    """Run batch NAME for the business date --date."""
    system = ctx.find_object(System)
    assert system is not None, "batch runs under carm-gateway, which sets up the system"
    day = business_date.date()
    try:
        report = run_batch(system, name, day, force=force)
    except ScheduleError as error:
        raise click.ClickException(str(error)) from None
    if report is None:
        click.echo(f"{name} already done for {day} (use --force to run again)")
    else:
        click.echo(report.summary())
