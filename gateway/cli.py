"""The operator command line, `carm-gateway` (gateway layer): the stable surface of MIG.md §7.

Settings are loaded once in the group's callback and handed down in the click context. Errors reach the
operator as one sentence on stderr (exit 1; 2 for usage), never as a traceback unless `--debug`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from domain.errors import DomainError
from domain.identifiers import ProgramAccount
from gateway.alerts import AlertService, channels_of
from gateway.bootstrap import System, bootstrap
from gateway.commands.adjustment import adjustment
from gateway.commands.batch import batch
from gateway.commands.check import check
from gateway.commands.operations import outbox, queue, status
from gateway.commands.payments import payments
from gateway.commands.reference import rates, tariff
from gateway.commands.statement import statement
from gateway.daemon import Daemon, Service
from gateway.demo import load_demo_data
from gateway.errors import GatewayError, UsageError
from gateway.http.server import HttpService
from gateway.keys import read_public_key
from gateway.logging import configure_logging, get_logger
from gateway.metrics import Metrics
from gateway.pipeline import file_processor
from gateway.scheduler import SchedulerService
from gateway.settings import load_settings
from gateway.sftp.server import SftpService
from gateway.workers import WorkerPool
from ledger.database import upgrade
from ledger.errors import LedgerError
from ledger.journal import Balance

EXIT_FAILED = 1
EXIT_USAGE = 2
log = get_logger("gateway.cli")


class GatewayGroup(click.Group):
    """Turns the gateway's own errors into one clear sentence and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except UsageError as error:
            raise click.UsageError(str(error), ctx) from None
        except (GatewayError, LedgerError, DomainError) as error:
            raise click.ClickException(str(error)) from None
        except Exception as error:  # noqa: BLE001 - the process boundary: one sentence; traceback with --debug
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            raise click.ClickException(f"carm-gateway failed: {type(error).__name__}: {error}") from None


def _system(ctx: click.Context) -> System:
    system: System = ctx.find_object(System)  # type: ignore[assignment]
    return system


@click.group(cls=GatewayGroup)
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A settings file (TOML).")
@click.option("--database-url", help="The database, e.g. sqlite:///var/carm.db or postgresql+psycopg://…")
@click.option("--today", help="A fixed business date YYYY-MM-DD (default: today in America/Toronto).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def cli(
    ctx: click.Context, config_file: Path | None, database_url: str | None, today: str | None, debug: bool
) -> None:
    """carm-gateway: CAD EDI gateway and batch processor for customs revenue."""
    try:
        settings = load_settings(
            config_file=config_file, overrides={"database_url": database_url, "gateway_today": today}
        )
    except GatewayError as error:
        raise click.ClickException(str(error)) from None
    configure_logging(
        level="DEBUG" if debug else settings.logging_level, output_format=settings.logging_format
    )
    ctx.obj = bootstrap(settings)


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema."""
    upgrade(_system(ctx).engine)
    click.echo("database is at the latest schema")


@cli.group()
def broker() -> None:
    """Broker accounts and their SSH keys."""


@broker.command("add")
@click.argument("sender_id")
@click.option("--bn15", required=True, help="The broker's business number with program account.")
@click.option("--name", required=True)
@click.pass_context
def broker_add(ctx: click.Context, sender_id: str, bn15: str, name: str) -> None:
    """Register a broker whose SFTP user name and EDI sender id is SENDER_ID."""
    if not sender_id or len(sender_id) > 35 or not sender_id.isascii() or not sender_id.isalnum():
        raise UsageError("SENDER_ID must be 1 to 35 letters and digits.")
    account = ProgramAccount.parse(bn15)
    with _system(ctx).unit_of_work() as uow:
        uow.parties.add_broker(sender_id=sender_id, bn15=str(account), name=name)
        uow.commit()
    click.echo(f"broker {sender_id} registered")


@broker.command("key-add")
@click.argument("sender_id")
@click.argument("public_key_file", type=click.Path(path_type=Path))
@click.pass_context
def broker_key_add(ctx: click.Context, sender_id: str, public_key_file: Path) -> None:
    """Let SENDER_ID log in with the OpenSSH public key in PUBLIC_KEY_FILE."""
    key = read_public_key(public_key_file)
    with _system(ctx).unit_of_work() as uow:
        uow.parties.add_key(
            sender_id,
            key_type=key.key_type,
            key_data=key.key_data,
            fingerprint=key.fingerprint,
            comment=key.comment,
        )
        uow.commit()
    click.echo(f"key {key.fingerprint} added for {sender_id}")


@cli.group()
def importer() -> None:
    """Importer RM accounts."""


@importer.command("add")
@click.argument("bn15")
@click.option("--name", required=True)
@click.option("--province", help="Two-letter province or territory code (for its holidays).")
@click.pass_context
def importer_add(ctx: click.Context, bn15: str, name: str, province: str | None) -> None:
    """Register an importer RM program account."""
    account = ProgramAccount.parse_importer(bn15)
    with _system(ctx).unit_of_work() as uow:
        uow.parties.add_importer(
            bn15=str(account), name=name, province=province.upper() if province else None
        )
        uow.commit()
    click.echo(f"importer {account} registered")


@cli.command()
@click.argument("importer_bn15")
@click.argument("sender_id")
@click.option("--statements", is_flag=True, help="This broker also receives the importer's DN and SOA.")
@click.pass_context
def delegate(ctx: click.Context, importer_bn15: str, sender_id: str, statements: bool) -> None:
    """Let SENDER_ID file CADs for IMPORTER_BN15."""
    with _system(ctx).unit_of_work() as uow:
        uow.parties.delegate(importer_bn15, sender_id, receives_statements=statements)
        uow.commit()
    extra = " and receives its statements" if statements else ""
    click.echo(f"{sender_id} may file for {importer_bn15}{extra}")


@cli.group()
def ledger() -> None:
    """The accounts-receivable ledger."""


@ledger.command("balance")
@click.argument("bn15")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def ledger_balance(ctx: click.Context, bn15: str, as_json: bool) -> None:
    """What importer BN15 owes, in total and per due date."""
    with _system(ctx).unit_of_work() as uow:
        uow.parties.importer(bn15)
        balance = uow.journal.balance(bn15)
    click.echo(json.dumps(_balance_document(balance)) if as_json else _balance_text(balance))


def _balance_document(balance: Balance) -> dict[str, Any]:
    return {
        "account": balance.account,
        "balance_cents": balance.balance_cents,
        "due": [
            {
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "amount_cents": item.amount_cents,
            }
            for item in balance.due
        ],
    }


def _balance_text(balance: Balance) -> str:
    lines = [f"{balance.account}  balance {balance.balance_cents / 100:,.2f} CAD"]
    lines += [f"  due {item.due_date or 'now'}  {item.amount_cents / 100:,.2f}" for item in balance.due]
    return "\n".join(lines)


@ledger.command("verify")
@click.pass_context
def ledger_verify(ctx: click.Context) -> None:
    """Check every entry balances and every hash chain is intact (exit 1 naming the first broken entry)."""
    with _system(ctx).unit_of_work() as uow:
        broken = uow.journal.verify()
        count = uow.journal.count()
    if broken is not None:
        click.echo(
            f"journal entry {broken.entry_id} (account {broken.account}, seq {broken.seq}) is broken: "
            f"{broken.reason}",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    click.echo(f"ledger verified: {count} entries balanced, hash chains intact")


ledger.add_command(statement)


@cli.command()
@click.option("--sftp-port", type=click.IntRange(0, 65535), help="Listen for SFTP here (0: any free port).")
@click.option("--http-port", type=click.IntRange(0, 65535), help="Listen for HTTP here (0: any free port).")
@click.option("--workers", type=click.IntRange(0, 64), help="Worker threads processing inbound files.")
@click.pass_context
def serve(ctx: click.Context, sftp_port: int | None, http_port: int | None, workers: int | None) -> None:
    """Run the gateway daemon until SIGTERM or Ctrl-C."""
    overrides: dict[str, Any] = {"sftp_port": sftp_port, "http_port": http_port, "workers_count": workers}
    system = _system(ctx)
    settings = dataclasses.replace(
        system.settings, **{name: value for name, value in overrides.items() if value is not None}
    )
    _serve(dataclasses.replace(system, settings=settings))


def _serve(system: System) -> None:
    """Run the SFTP server, the workers, the HTTP endpoints, the scheduler and the alerts (if configured)."""
    settings = system.settings
    metrics = Metrics()
    metrics.watch_store(system)
    sftp = SftpService(system, metrics)
    services: list[Service] = [
        sftp,
        WorkerPool(system, file_processor(system.clock, settings.zone, system.late_penalty), metrics),
        HttpService(system, metrics, sftp),
    ]
    if settings.batches_enabled:
        services.append(
            SchedulerService(
                system, start_date=settings.batches_start_date, tick_seconds=settings.batches_tick_seconds
            )
        )
    channels = channels_of(settings)
    if channels:
        services.append(AlertService(system, channels))
    Daemon(services=services).run(database=_safe_url(system), today=system.clock.today().isoformat())


def _safe_url(system: System) -> str:
    return system.engine.url.render_as_string(hide_password=True)


@cli.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Migrate the database, load the demo data, and serve."""
    system = _system(ctx)
    upgrade(system.engine)
    with system.unit_of_work() as uow:
        demo_broker = load_demo_data(uow, system.settings.gateway_var_dir)
        uow.commit()
    log.info(
        "demo.loaded",
        broker=demo_broker.sender_id,
        connect=f"sftp -i {demo_broker.private_key} -P {system.settings.sftp_port} "
        f"{demo_broker.sender_id}@{system.settings.sftp_host}",
        dashboard=f"http://{system.settings.http_host}:{system.settings.http_port}/",
    )
    _serve(system)


cli.add_command(tariff)
cli.add_command(rates)
cli.add_command(check)
cli.add_command(adjustment)
cli.add_command(batch)
cli.add_command(payments)
cli.add_command(status)
cli.add_command(queue)
cli.add_command(outbox)


def main() -> None:
    """The console script."""
    cli(prog_name="carm-gateway")


if __name__ == "__main__":
    main()
