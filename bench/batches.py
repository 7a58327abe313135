"""Batch benchmark: the daily notices of a national day, the statements of a national month (bench tooling).

National scale (`--scale 1`): 125,000 importer accounts, each with an opening balance posted before the
billing period 2025-06-18..2025-07-17 and 2.5 M CADs posted in it (16 a month on other business days, four
on Wednesday 2 July), plus a payment on 2 July by four accounts in five: 600,000 postings that day. Each CAD
entry has three lines (receivable, duty, GST), a payment two; every account's hash chain is computed with the
journal's own functions (`domain.journal.chain_hash`, `content_digest`) and the rows are bulk-loaded (COPY on
PostgreSQL), once: a rerun finds the data and reuses it (`--fresh` rebuilds it).

Each measurement runs in a fresh interpreter: `run_batch` for `daily-notices` on 2025-07-02 (125,000 notices)
and for `statements` on 2025-07-25 (125,000 statements), their outbound files and run records deleted
before each run; wall time, throughput and the process's peak RSS (VmHWM) are reported, as the median of
`--runs`, with the peak RSS of the largest worker process when the run was read in workers (the daily
notices on PostgreSQL, `batches.processes` of the default settings). The baseline, measured in the same
invocation and also in a fresh interpreter, streams the very rows each batch reads (the same queries: the
day's or the period's entries with their lines, the receivable balances, the recipients) through SQLAlchemy
with `yield_per`, in one process, touching each row and doing nothing else: the ratio says what the batch
costs over reading its input.

    .venv/bin/python bench/batches.py                                   # PostgreSQL at 127.0.0.1, national
    .venv/bin/python bench/batches.py --backend sqlite --scale 0.05     # SQLite, 6,250 accounts
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from structlog.testing import capture_logs  # noqa: E402

from bench.machine import ChildrenPeak, machine, peak_rss  # noqa: E402
from bench.parties import Delegation, insert_parties  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from domain.journal import (  # noqa: E402
    GENESIS_HASH,
    EntryKind,
    JournalEntry,
    JournalLine,
    chain_hash,
    receivable_account,
)
from gateway.bootstrap import bootstrap  # noqa: E402
from gateway.settings import load_settings  # noqa: E402
from ledger.database import create_engine_for, upgrade  # noqa: E402
from ledger.schema import (  # noqa: E402
    batch_run,
    importer,
    outbound_file,
)
from ledger.statements import Statements  # noqa: E402
from schedules.runner import run_batch  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "carm_bench_batches"
ACCOUNTS = 125_000
BROKERS = 250
OPENING_DAY = dt.date(2025, 6, 10)
PERIOD = (dt.date(2025, 6, 18), dt.date(2025, 7, 17))
NOTICE_DAY = dt.date(2025, 7, 2)  # Wednesday; the day before is Canada Day, so its notice covers 1-2 July
ISSUE_DAY = dt.date(2025, 7, 25)
HOLIDAY = dt.date(2025, 7, 1)
CADS_ON_NOTICE_DAY = 4
POSTED_AT = dt.datetime(2025, 7, 18, 12, 0, tzinfo=dt.UTC)
DUE = dt.date(2025, 7, 31)
JOBS = {"dn": ("daily-notices", NOTICE_DAY), "soa": ("statements", ISSUE_DAY)}


@dataclass(frozen=True, slots=True)
class Target:
    backend: str
    url: str
    scale: float

    @property
    def accounts(self) -> int:
        return max(10, round(ACCOUNTS * self.scale))


def bn15(number: int) -> str:
    return f"{100_000_000 + number:09d}RM0001"


def business_days() -> list[dt.date]:
    day, days = PERIOD[0], []
    while day <= PERIOD[1]:
        if day.weekday() < 5 and day != HOLIDAY:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def account_entries(number: int) -> Iterator[JournalEntry]:
    """Account `number`'s entries in posting order: an opening CAD, 16 CADs on other business days, four on
    the notice day, and (four accounts in five) a payment on the notice day."""
    account = bn15(number)
    yield _cad(account, f"OPEN-{number}", OPENING_DAY, 10_000 + number % 997)
    for index, day in enumerate(business_days()):
        if day == NOTICE_DAY:
            for extra in range(CADS_ON_NOTICE_DAY):
                yield _cad(account, f"D{number}-{extra}", day, 2_000 + (number + extra) % 30_000)
            if number % 5:
                yield _payment(account, f"P{number}", day, 5_000)
        elif (number + index) % 5:  # 16 of the 20 other business days
            yield _cad(account, f"C{number}-{index}", day, 1_000 + (number * 7 + index) % 50_000)


def _cad(account: str, reference: str, day: dt.date, duty: int) -> JournalEntry:
    gst = duty // 20
    return JournalEntry(
        account=account,
        idempotency_key=f"cad:{reference}:1",
        kind=EntryKind.ASSESSMENT,
        business_date=day,
        due_date=DUE,
        reference=reference,
        lines=(
            JournalLine(ledger_account=receivable_account(account), debit_cents=duty + gst),
            JournalLine(ledger_account="REVENUE:DUTY", credit_cents=duty),
            JournalLine(ledger_account="REVENUE:GST", credit_cents=gst),
        ),
    )


def _payment(account: str, reference: str, day: dt.date, cents: int) -> JournalEntry:
    return JournalEntry(
        account=account,
        idempotency_key=f"payment:{reference}",
        kind=EntryKind.PAYMENT,
        business_date=day,
        reference=reference,
        lines=(
            JournalLine(ledger_account="CASH", debit_cents=cents),
            JournalLine(ledger_account=receivable_account(account), credit_cents=cents),
        ),
    )


def journal_rows(accounts: int) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(entry row, its line rows) of every account's chain, ids from 1."""
    entry_id = 0
    for number in range(accounts):
        prev_hash = GENESIS_HASH
        for seq, entry in enumerate(account_entries(number), start=1):
            entry_id += 1
            entry_hash = chain_hash(entry, seq=seq, prev_hash=prev_hash)
            yield (
                (
                    entry_id,
                    entry.account,
                    seq,
                    entry.idempotency_key,
                    str(entry.kind),
                    entry.business_date,
                    entry.due_date,
                    entry.reference,
                    entry.description,
                    POSTED_AT,
                    entry.content_digest(),
                    prev_hash,
                    entry_hash,
                ),
                [
                    (entry_id, line_no, line.ledger_account, line.debit_cents, line.credit_cents)
                    for line_no, line in enumerate(entry.lines, start=1)
                ],
            )
            prev_hash = entry_hash


ENTRY_COLUMNS = (
    "id, account, seq, idempotency_key, kind, business_date, due_date, reference, description, posted_at, "
    "content_sha256, prev_hash, entry_hash"
)
LINE_COLUMNS = "entry_id, line_no, ledger_account, debit_cents, credit_cents"


def add_parties(engine: Engine, accounts: int) -> None:
    """`BROKERS` brokers and `accounts` importers, each importer's statements to one broker."""
    with engine.begin() as connection:
        insert_parties(
            connection,
            brokers=[(f"BROKER{n:04d}", bn15(900_000 + n)) for n in range(BROKERS)],
            importers=[bn15(n) for n in range(accounts)],
            delegations=[Delegation(bn15(n), f"BROKER{n % BROKERS:04d}", True) for n in range(accounts)],
            at=POSTED_AT,
        )


def generate(engine: Engine, accounts: int) -> None:
    """Register the brokers and importers and post every account's entries (into an empty journal)."""
    began = time.monotonic()
    add_parties(engine, accounts)
    if engine.dialect.name == "postgresql":
        _copy_journal(engine, accounts)
    else:
        _insert_journal(engine, accounts)
    print(f"generated {accounts:,} accounts in {time.monotonic() - began:.0f} s", file=sys.stderr)


def _copy_journal(engine: Engine, accounts: int) -> None:
    with tempfile.TemporaryFile("w+", newline="") as lines_file:
        writer = csv.writer(lines_file)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(f"COPY journal_entry ({ENTRY_COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for entry, lines in journal_rows(accounts):
                    copy.write_row(entry)
                    writer.writerows(lines)
            lines_file.seek(0)
            with cursor.copy(f"COPY journal_line ({LINE_COLUMNS}) FROM STDIN WITH (FORMAT csv)") as copy:  # type: ignore[attr-defined]
                while block := lines_file.read(1 << 20):
                    copy.write(block)
            for table in ("journal_entry", "journal_line"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()


def _insert_journal(engine: Engine, accounts: int) -> None:
    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        for entry, entry_lines in journal_rows(accounts):
            business_date, due_date, posted_at = entry[5], entry[6], entry[9]
            entries.append(
                (
                    *entry[:5],
                    business_date.isoformat(),
                    due_date.isoformat() if due_date else None,
                    *entry[7:9],
                    posted_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    *entry[10:],
                )
            )
            lines += entry_lines
            if len(entries) >= 50_000:
                _flush_sqlite(cursor, entries, lines)
        _flush_sqlite(cursor, entries, lines)
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def _flush_sqlite(cursor: Any, entries: list[tuple[Any, ...]], lines: list[tuple[Any, ...]]) -> None:
    cursor.executemany(f"INSERT INTO journal_entry ({ENTRY_COLUMNS}) VALUES ({', '.join('?' * 13)})", entries)
    cursor.executemany(f"INSERT INTO journal_line ({LINE_COLUMNS}) VALUES (?, ?, ?, ?, ?)", lines)
    entries.clear()
    lines.clear()


def prepare(target: Target, fresh: bool) -> None:
    """Create and fill the store once; a rerun with the same scale reuses it."""
    if target.backend == "postgresql":
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if fresh:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
        admin.dispose()
    elif fresh:
        Path(target.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = create_engine_for(target.url)
    upgrade(engine)
    with engine.connect() as connection:
        found = connection.execute(select(func.count()).select_from(importer)).scalar_one()
    if found != target.accounts:
        if found:
            raise SystemExit(f"the bench store holds {found} accounts, not {target.accounts}: use --fresh")
        generate(engine, target.accounts)
    engine.dispose()


def child(target: Target, what: str) -> dict[str, Any]:
    """One measurement, in this (fresh) interpreter: a batch run, or its baseline."""
    job, day = JOBS[what.removesuffix("-baseline")]
    settings = load_settings(environ={}, overrides={"database_url": target.url, "gateway_var_dir": "/tmp"})
    noon = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    system = bootstrap(settings, clock=FixedClock(noon))
    with system.engine.begin() as connection:  # a clean slate: the bench's own files and records only
        connection.execute(outbound_file.delete())
        connection.execute(batch_run.delete())
    if target.backend == "postgresql":
        # The deletes leave the last run's 125,000 files as dead rows, and this machine's PostgreSQL runs with
        # autovacuum off: vacuum them as autovacuum would have, or each run writes into a larger table than
        # the one before (the statements took 156 s on the first invocation, 327 s on the next).
        with system.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM outbound_file, batch_run"))
    began, logged = time.monotonic(), set()
    with ChildrenPeak() as workers:  # the processes the run reads in (schedules.processes), if any
        if what.endswith("-baseline"):
            counts = {"rows": stream_inputs(system.engine, what.removesuffix("-baseline"))}
        else:
            with capture_logs() as logs:
                report = run_batch(system, job, day)
            assert report is not None
            logged = {log["event"] for log in logs}
            counts = report.counts
    seconds = time.monotonic() - began
    system.engine.dispose()
    return {
        "seconds": seconds,
        "rss_kib": peak_rss() // 1024,
        "worker_rss_kib": workers.largest // 1024,
        "workers": system.batch_processes if "batch.read_in_processes" in logged else 0,
        "counts": counts,
    }


def stream_inputs(engine: Engine, what: str) -> int:
    """Stream the rows the batch reads — its queries, unchanged — touching each row and nothing else."""
    with engine.connect() as connection:
        queries = Statements(connection)
        captured: list[Any] = []
        queries._stream = lambda query: captured.append(query) or iter(())  # type: ignore[method-assign]
        if what == "dn":
            list(queries.postings(NOTICE_DAY - dt.timedelta(days=1), NOTICE_DAY))
            list(queries.replacements_received(POSTED_AT - dt.timedelta(days=30), POSTED_AT))
        else:
            list(queries.postings(*PERIOD))
            list(queries.receivable_balances(before=PERIOD[0]))
            list(queries.receivable_balances(through=PERIOD[1]))
        list(queries.recipients())
        rows = 0
        for query in captured:
            for _ in connection.execute(query.execution_options(yield_per=5000)):
                rows += 1
        return rows


def measure(target: Target, what: str) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        what,
        "--backend",
        target.backend,
        "--scale",
        str(target.scale),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{what} failed: {done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(target: Target, runs: int, only: str | None) -> list[str]:
    lines = []
    for what, label in (("dn", "daily notices, 2025-07-02"), ("soa", "statements, 2025-07-25")):
        if only not in (None, what):
            continue
        batch = [measure(target, what) for _ in range(runs)]
        base = [measure(target, f"{what}-baseline") for _ in range(runs)]
        seconds = statistics.median(r["seconds"] for r in batch)
        baseline = statistics.median(r["seconds"] for r in base)
        counts = batch[0]["counts"]
        rss = f"{max(r['rss_kib'] for r in batch) / 1024:.0f} MiB"
        if workers := batch[0]["workers"]:
            rss += f" + {workers} × {max(r['worker_rss_kib'] for r in batch) / 1024:.0f} MiB"
        lines.append(
            f"| {target.backend} | {label} | {counts['accounts']:,} | {counts['postings']:,} | "
            f"{seconds:.1f} s | {counts['postings'] / seconds:,.0f} | {counts['accounts'] / seconds:,.0f} | "
            f"{rss} | {baseline:.1f} s ({base[0]['counts']['rows']:,} rows) | "
            f"{seconds / baseline:.1f}x |"
        )
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 125,000 accounts (national)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="rebuild the generated store")
    parser.add_argument("--only", choices=tuple(JOBS), help="measure one batch only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend == "postgresql":
        url = f"{POSTGRES}?options=-csearch_path%3D{SCHEMA}"
    else:
        url = f"sqlite:///{tempfile.gettempdir()}/carm-bench-batches-{args.scale}.db"
    target = Target(args.backend, url, args.scale)
    if args.child:
        print(json.dumps(child(target, args.child)))
        return
    prepare(target, args.fresh)
    print(f"{machine()}, {dt.date.today()}: {target.accounts:,} accounts, median of {args.runs}")
    print(
        "| store | batch | accounts | postings | wall | postings/s | accounts/s | peak RSS | baseline | "
        "ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    table(target, args.runs, args.only)


if __name__ == "__main__":
    main()
