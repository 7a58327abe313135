"""End-to-end load benchmark: a national day of CADs through the real pipeline (bench tooling).

Generates a national day (bench/national_day.py: 300 brokers, 125,000 importers, 115,000 CADs of 5 lines on
average with a tail to 500, several currencies, 2 % invalid, 1 % corrections, in files of 1-500 CADs),
stores it as uploaded files in a fresh database with the parties registered and delegated and the fixture
reference data loaded, then starts N OS processes that each run the daemon's worker loop
(`gateway.workers.process_next` with `gateway.pipeline.file_processor`) on that database until the queue is
empty: PostgreSQL claims with SKIP LOCKED, SQLite serialises the workers on BEGIN IMMEDIATE. Reports CAD
lines per second end to end (first claim to last commit, wall clock), per stage (the time each stage took,
summed over the workers, measured by wrapping the stage functions in the worker processes only), the
workers' peak RSS, and the ratio to pydifact's bare `Interchange.from_str` on the same bytes. After each
run it checks what was posted: every file answered once, none held, the expected CADs accepted, the journal
balanced and its hash chains intact.

    .venv/bin/python bench/load.py --scale 0.05   # a twentieth of the day, both stores, 1 and 2 workers
    .venv/bin/python bench/load.py --scale 1 --stores postgresql --workers 2 --runs 1
    .venv/bin/python bench/load.py --scale 0.05 --write      # also record it in docs/BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import multiprocessing
import os
import queue
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.autovacuum import autovacuum_stand_in  # noqa: E402
from bench.machine import machine, peak_rss  # noqa: E402
from bench.national_day import RATES_FILE, TARIFF_FILE, TODAY, Day, national_day  # noqa: E402
from bench.parties import Delegation, insert_parties  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from gateway.bootstrap import System  # noqa: E402
from gateway.settings import load_settings  # noqa: E402
from ledger.database import create_engine_for, upgrade  # noqa: E402
from ledger.schema import cad_version, inbound_file, journal_entry  # noqa: E402
from ledger.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from parsers.rates_csv import parse_exchange_rates  # noqa: E402
from parsers.tariff_xml import parse_tariff  # noqa: E402

POSTGRES = os.environ.get("CARM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = dt.datetime(2025, 6, 20, 18, 30, tzinfo=dt.UTC)  # 14:30 in Toronto on TODAY
assert NOW.date() == TODAY
MB = 1_000_000
TARGET_LINES_PER_SECOND = 5_000

# Stage name -> (module, attribute) wrapped in the worker processes. "read" holds parse/structure/map,
# "decide" holds validate/assess; the rest of "read" and "decide" is reported as their own remainder.
STAGES: dict[str, tuple[str, str]] = {
    "claim": ("ledger.queue", "Queue.claim_next"),
    "read": ("gateway.pipeline", "read_interchange"),
    "parse": ("mappers.interchange", "parse_interchange"),
    "structure": ("mappers.interchange", "check_and_place"),
    "map": ("mappers.interchange", "map_cusdec"),
    "context": ("gateway.pipeline", "gather_context"),
    "decide": ("gateway.pipeline", "decide"),
    "validate": ("gateway.decisions", "validate_cad"),
    "assess": ("gateway.decisions", "assess_cad"),
    "post": ("gateway.pipeline", "post"),
    "render": ("gateway.pipeline", "render_contrl"),
    "render_cusres": ("gateway.pipeline", "render_cusres"),
    "respond": ("gateway.pipeline", "_finish"),
    "commit": ("ledger.unit_of_work", "SqlAlchemyUnitOfWork.commit"),
}
TOP_LEVEL = ("claim", "read", "context", "decide", "post", "render", "respond", "commit")
NESTED = {"read": ("parse", "structure", "map"), "decide": ("validate", "assess")}
LABELS = {
    "claim": "claim (SKIP LOCKED / BEGIN IMMEDIATE)",
    "read": "parse + structure + map",
    "parse": "  parse (envelope, characters)",
    "structure": "  structure (D.16A segment table, placing segments)",
    "map": "  map to Cad",
    "context": "context (parties, history, tariff, rates)",
    "decide": "decide (rules, assessment, entries)",
    "validate": "  validate",
    "assess": "  assess",
    "post": "post (journal, CAD versions)",
    "render": "render CONTRL + CUSRES",
    "respond": "store responses, finish file",
    "commit": "commit",
    "other": "other (unit of work, logging)",
}


# ---------------------------------------------------------------------------------------------- stores


@dataclass(frozen=True, slots=True)
class Template:
    """A database holding the registered parties, the reference data and the day's uploads, unprocessed."""

    backend: str
    location: str  # PostgreSQL: database name; SQLite: file path


def _postgres_admin() -> Any:
    return create_engine(POSTGRES, isolation_level="AUTOCOMMIT")


def _postgres_url(database: str) -> str:
    base, _, _ = POSTGRES.rpartition("/")
    return f"{base}/{database}"


def _recreate_database(name: str, template: str | None = None) -> None:
    admin = _postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()


def _drop_database(name: str) -> None:
    admin = _postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# What a day of CADs reads and never writes (analyzed once the template is loaded).
READ_ONLY_TABLES = (
    "broker",
    "importer",
    "delegation",
    "tariff_edition",
    "tariff_treatment",
    "tariff_item",
    "tariff_rate",
    "exchange_rate",
)


def make_template(backend: str, day: Day, folder: Path) -> Template:
    if backend == "postgresql":
        name = "carm_bench_template"
        _recreate_database(name)
        url, location = _postgres_url(name), name
    else:
        location = str(folder / "template.db")
        url = f"sqlite:///{location}"
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        clock = FixedClock(NOW - dt.timedelta(hours=8))
        with SqlAlchemyUnitOfWork(engine, clock) as uow:
            register(uow, day, clock.now())
            uow.commit()
        with SqlAlchemyUnitOfWork(engine, clock) as uow:
            for number, (broker, data) in enumerate(day.files):
                uow.files.receive(
                    sender_id=day.brokers[broker].sender_id, filename=f"cad{number}.edi", raw=data
                )
            uow.commit()
        if backend == "postgresql":
            # The planner statistics autovacuum keeps on a live database, for the tables the day only reads:
            # without them each file's importers are looked up by scanning every delegation (about 20 ms a
            # file). The tables the day writes are empty here and are left to the run's autovacuum (the
            # server's, or `bench.autovacuum`'s stand-in where it is off): statistics taken while they are
            # empty would say "empty" until then (the journal's foreign-key checks would scan every entry).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f"ANALYZE {', '.join(READ_ONLY_TABLES)}")
    finally:
        engine.dispose()
    return Template(backend, location)


def register(uow: SqlAlchemyUnitOfWork, day: Day, now: dt.datetime) -> None:
    """The brokers, the importers and their delegations (in bulk: bench/parties.py), the fixture tariff and
    rates."""
    uow.reference.load_tariff(parse_tariff(TARIFF_FILE.read_bytes()), "fixture")
    uow.reference.load_exchange_rates(parse_exchange_rates(RATES_FILE.read_bytes()))
    receiving: set[str] = set()  # the first broker delegated an importer receives its statements
    delegations = []
    for bn15, broker_index in day.delegations:
        delegations.append(Delegation(bn15, day.brokers[broker_index].sender_id, bn15 not in receiving))
        receiving.add(bn15)
    insert_parties(
        uow.connection,
        brokers=[(broker.sender_id, broker.bn15) for broker in day.brokers],
        importers=day.importers,
        delegations=delegations,
        at=now,
    )


@contextmanager
def run_database(template: Template, folder: Path) -> Iterator[str]:
    """A fresh copy of the template for one run; its URL."""
    if template.backend == "postgresql":
        name = "carm_bench_run"
        _recreate_database(name, template.location)
        try:
            yield _postgres_url(name)
        finally:
            _drop_database(name)
    else:
        path = folder / "run.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template.location, path)
        yield f"sqlite:///{path}"


# --------------------------------------------------------------------------------------------- workers


@dataclass(slots=True)
class WorkerResult:
    files: int = 0
    seconds: float = 0.0  # from the start signal to the empty queue
    stages: dict[str, float] = field(default_factory=dict)
    peak_rss: int = 0


def _instrument(stages: dict[str, float]) -> None:
    """Wrap each stage function (in this worker process only) to add its wall time to `stages`."""
    import importlib

    for name, (module_name, attribute) in STAGES.items():
        module = importlib.import_module(module_name)
        owner: Any = module
        *path, leaf = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, leaf, _timed(getattr(owner, leaf), name, stages))


def _timed(function: Callable[..., Any], name: str, stages: dict[str, float]) -> Callable[..., Any]:
    # CARM_BENCH_STAGE_CLOCK=cpu: the worker's CPU time instead of wall time, for comparing stages while
    # other work shares the machine (the end-to-end rate stays wall time).
    clock = time.process_time if os.environ.get("CARM_BENCH_STAGE_CLOCK") == "cpu" else time.perf_counter

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            stages[name] = stages.get(name, 0.0) + clock() - start

    return timed


def worker(url: str, log_path: str, ready: Any, go: Any, results: Any, profile: bool) -> None:
    """One OS process running the daemon's worker loop until the queue is empty."""
    sys.stdout = open(log_path, "a", buffering=1 << 16)  # noqa: SIM115 - the daemon logs JSON to stdout
    from gateway.daemon import tune_garbage_collector
    from gateway.logging import configure_logging
    from gateway.pipeline import file_processor
    from gateway.workers import process_next

    configure_logging(level="INFO", output_format="json")
    stages: dict[str, float] = {}
    if not profile:
        _instrument(stages)
    settings = load_settings(
        environ={}, overrides={"database_url": url, "gateway_var_dir": str(Path(log_path).parent)}
    )
    clock = FixedClock(NOW)
    system = System(settings=settings, engine=create_engine_for(url), clock=clock)
    processor = file_processor(clock, settings.zone, system.late_penalty)
    with system.unit_of_work() as uow:  # connect before the clock starts, as a running daemon has
        uow.journal.count()
    tune_garbage_collector()  # as the daemon does once its services are started
    ready.release()
    go.wait()
    result = WorkerResult()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    while process_next(system, processor):
        result.files += 1
    result.seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{log_path}.{os.getpid()}.prof")
    result.stages = stages
    result.peak_rss = peak_rss()
    system.engine.dispose()
    sys.stdout.flush()
    results.put(result)


@dataclass(slots=True)
class RunResult:
    backend: str
    workers: int
    seconds: float
    stages: dict[str, float]
    peak_rss: int
    files_per_worker: list[int]
    check: dict[str, int]


@contextmanager
def maintained(template: Template, url: str) -> Iterator[list[str]]:
    """The run's database maintained as a production server's autovacuum would (bench/autovacuum.py)."""
    if template.backend != "postgresql":
        yield []
        return
    with autovacuum_stand_in(url) as done:
        yield done


def run_once(template: Template, workers: int, folder: Path, profile: str | None = None) -> RunResult:
    context = multiprocessing.get_context("spawn")
    with run_database(template, folder) as url:
        ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
        log_path = str(Path(profile) if profile else folder / f"worker-{template.backend}-{workers}.log")
        processes = [
            context.Process(target=worker, args=(url, log_path, ready, go, results, profile is not None))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        for _ in processes:
            while not ready.acquire(timeout=1.0):
                _stop_if_dead(processes)
        with maintained(template, url) as maintenance:
            start = time.perf_counter()
            go.set()
            collected = _collect(results, processes)
            seconds = time.perf_counter() - start
        if maintenance:
            print(f"autovacuum stand-in ran: {'; '.join(maintenance)}", file=sys.stderr)
        for process in processes:
            process.join()
        stages: dict[str, float] = {}
        for result in collected:
            for name, value in result.stages.items():
                stages[name] = stages.get(name, 0.0) + value
        stages["total"] = sum(result.seconds for result in collected)
        check = check_run(url)
    return RunResult(
        backend=template.backend,
        workers=workers,
        seconds=seconds,
        stages=stages,
        peak_rss=max(result.peak_rss for result in collected),
        files_per_worker=[result.files for result in collected],
        check=check,
    )


def _collect(results: Any, processes: list[Any]) -> list[WorkerResult]:
    """Each worker's result; a worker that died without one stops the benchmark."""
    collected: list[WorkerResult] = []
    while len(collected) < len(processes):
        try:
            collected.append(results.get(timeout=1.0))
        except queue.Empty:
            _stop_if_dead(processes)
    return collected


def _stop_if_dead(processes: list[Any]) -> None:
    dead = [process.exitcode for process in processes if process.exitcode not in (None, 0)]
    if dead:
        for process in processes:
            process.kill()
        raise SystemExit(f"a worker process died (exit code {dead[0]}); see its output above")


def check_run(url: str) -> dict[str, int]:
    """What the run left in the store: file states and outcomes, accepted versions, the journal's state."""
    engine = create_engine_for(url)
    try:
        with SqlAlchemyUnitOfWork(engine, FixedClock(NOW)) as uow:
            connection = uow.connection
            counts: dict[str, int] = {}
            status = select(inbound_file.c.status, inbound_file.c.outcome, func.count()).group_by(
                inbound_file.c.status, inbound_file.c.outcome
            )
            for state, outcome, count in connection.execute(status):
                counts[f"files {state} {outcome or ''}".strip()] = int(count)
            versions = select(cad_version.c.version, func.count()).group_by(cad_version.c.version)
            for version, count in connection.execute(versions):
                counts[f"accepted version {version}"] = int(count)
            counts["journal entries"] = int(
                connection.execute(select(func.count()).select_from(journal_entry)).scalar_one()
            )
            broken = uow.journal.verify()
            counts["journal faults"] = 0 if broken is None else 1
    finally:
        engine.dispose()
    return counts


# -------------------------------------------------------------------------------------------- baseline


def pydifact_seconds_per_byte(day: Day, sample_bytes: int, runs: int) -> tuple[float, int]:
    """pydifact's `Interchange.from_str` on the day's first files (at least `sample_bytes`), decoded
    beforehand in its favour: the median seconds per byte and the bytes sampled."""
    from pydifact.segmentcollection import Interchange

    warnings.filterwarnings("ignore", module="pydifact")  # it has no XML segment specs for D.16A: fine

    texts, size = [], 0
    for _, data in day.files:
        texts.append(data.decode("latin_1"))
        size += len(data)
        if size >= sample_bytes:
            break
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for text_ in texts:
            Interchange.from_str(text_)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) / size, size


# --------------------------------------------------------------------------------------------- reports


def _expected(day: Day) -> int:
    return day.cads - sum(day.invalid.values())


def _median_run(runs: list[RunResult]) -> RunResult:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def report(
    day: Day,
    results: dict[tuple[str, int], list[RunResult]],
    baseline: tuple[float, int],
    args: argparse.Namespace,
) -> str:
    per_byte, sampled = baseline
    pydifact_rate = day.lines / (per_byte * day.bytes)
    command = (
        f".venv/bin/python bench/load.py --scale {args.scale:g} --stores {args.stores} "
        f"--workers {args.workers} --runs {args.runs}"
    )
    header = (
        f"Machine: {machine()}; PostgreSQL on 127.0.0.1 on the same machine"
        f"{'; other work was running on it' if args.busy else ''}. Date: {dt.date.today().isoformat()}.\n"
        f"Command: `{command} --write` (median of {args.runs} run(s) per row; a fresh copy of the loaded "
        "database per run).\n\n"
        f"Input (scale {args.scale:g} of the national day): {len(day.files):,} files of "
        f"1-{day.cads_per_file_max} CADs, {day.cads:,} CADs, {day.lines:,} lines "
        f"({day.lines / day.cads:.2f} a CAD, at most "
        f"{day.max_lines}), {day.bytes / MB:.1f} MB; {len(day.brokers)} brokers, "
        f"{len(day.importers):,} importers; "
        f"{sum(day.invalid.values()):,} invalid CADs, {day.corrections:,} corrections. pydifact 0.2.3 "
        f"`Interchange.from_str` alone: {pydifact_rate:,.0f} lines/s (median of {args.pydifact_runs} runs on "
        "the "
        f"first {sampled / MB:.1f} MB, its rate applied to the whole day).\n"
    )
    rows = []
    for (backend, workers), runs in results.items():
        run = _median_run(runs)
        rate = day.lines / run.seconds
        rows.append(
            f"| {backend} | {workers} | {run.seconds:.1f} s | {rate:,.0f} | {day.cads / run.seconds:,.0f} "
            f"| {rate / pydifact_rate:.1f}x | {run.peak_rss / MB:.0f} MB | {_verdict(day, run)} |"
        )
    table = (
        "| store | worker processes | whole input | CAD lines/s end to end | CADs/s "
        "| vs pydifact from_str alone "
        "| peak RSS per worker | checked after the run |\n|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
    )
    verdict = _against_target(day, results, pydifact_rate)
    return f"{header}\n{table}\n\n{verdict}\n\n{stage_table(day, results)}\n"


def _against_target(day: Day, results: dict[tuple[str, int], list[RunResult]], pydifact_rate: float) -> str:
    postgres = [
        day.lines / _median_run(runs).seconds
        for (backend, _), runs in results.items()
        if backend == "postgresql"
    ]
    text = f"Target (issue 8): at least {TARGET_LINES_PER_SECOND:,} CAD lines/s end to end on PostgreSQL; "
    if postgres:
        best = max(postgres)
        verdict = "met" if best >= TARGET_LINES_PER_SECOND else "not met"
        ratio = best / pydifact_rate
        text += (
            f"best here {best:,.0f} lines/s: {verdict}. Its other form, end to end faster than pydifact "
            f"alone parses the same files (measured on this machine in this run): {ratio:.2f}x, "
            f"{'met' if ratio > 1 else 'not met'}."
        )
    else:
        text += "PostgreSQL was not run here."
    rates = {key: day.lines / _median_run(runs).seconds for key, runs in results.items()}
    if ("postgresql", 2) in rates:
        text += " On PostgreSQL, "
        if ("postgresql", 1) in rates:
            gain = rates["postgresql", 2] / rates["postgresql", 1]
            text += f"two worker processes gave {gain:.1f}x the rate of one; "
        text += "the workers share the machine's 2 cores with PostgreSQL itself."
    if ("sqlite", 2) in rates and ("sqlite", 1) in rates:
        text += (
            " On SQLite the workers serialise on BEGIN IMMEDIATE (one writer at a time): two gave "
            f"{rates['sqlite', 2] / rates['sqlite', 1]:.1f}x the rate of one, the waiting worker's time "
            'showing in the "other" row.'
        )
    return text


def _verdict(day: Day, run: RunResult) -> str:
    accepted = sum(v for k, v in run.check.items() if k.startswith("accepted version"))
    held = sum(v for k, v in run.check.items() if not k.startswith("files DONE") and k.startswith("files"))
    done = sum(v for k, v in run.check.items() if k.startswith("files DONE"))
    ok = (
        done == len(day.files) and not held and accepted == _expected(day) and not run.check["journal faults"]
    )
    mark = "ok" if ok else "MISMATCH"
    return (
        f"{mark}: {done:,} files answered, {held} held, {accepted:,}/{_expected(day):,} CADs accepted, "
        "chains intact"
        if ok
        else f"{mark}: {run.check}"
    )


def stage_table(day: Day, results: dict[tuple[str, int], list[RunResult]]) -> str:
    columns = list(results)
    header = "| stage (seconds summed over the workers; CAD lines/s of the stage alone) | " + " | ".join(
        f"{backend}, {workers} worker{'s' if workers > 1 else ''}" for backend, workers in columns
    )
    lines = [header + " |", "|---" * (len(columns) + 1) + "|"]
    medians = [_median_run(results[column]) for column in columns]
    names: list[str] = []
    for name in TOP_LEVEL:
        names.append(name)
        names.extend(NESTED.get(name, ()))
    names.append("other")
    for name in names:
        cells = []
        for run in medians:
            stages = dict(run.stages)
            stages["render"] = stages.get("render", 0.0) + stages.get("render_cusres", 0.0)
            stages["other"] = stages["total"] - sum(stages.get(top, 0.0) for top in TOP_LEVEL)
            seconds = stages.get(name, 0.0)
            share = seconds / stages["total"] * 100
            rate = f"{day.lines / seconds:,.0f}" if seconds > 0 else "-"
            cells.append(f"{seconds:.2f} s ({share:.0f} %), {rate}")
        lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


NOTES = """\
One national day (DOMAIN.md "Scale") through the real pipeline: `bench/national_day.py` plans the day, the
files are stored as uploads, then N OS processes each run the daemon's worker loop (`process_next` with
`file_processor`, JSON logs included) on the same database until the queue is empty. The end-to-end rate
counts every line of every CAD (invalid ones included) over the wall time from the first claim to the last
commit. Stage times are wall times of the stage functions, wrapped in the worker processes only, summed over
the workers (so with 2 workers they add up to about twice the wall time); "lines/s of the stage alone" is
the day's lines over that time. The last column is what the store held after the run: files answered and
none held, the CADs expected to be accepted (all but the invalid ones, corrections included) accepted, and
`ledger verify` (balanced entries, intact hash chains) clean.

Made faster with this benchmark (same behaviour, same tests): a file's journal entries and accepted versions
are written in a handful of statements for the whole file (one look-up of the idempotency keys, one statement
taking the per-account advisory locks in account order, one read of the chain heads, one insert of the
entries, one of their lines, one of the versions) instead of about six per CAD; tariff items and exchange
rates already read are kept per process (loaded reference data never changes); each message is walked
through the D.16A segment table once, for both the syntax check and the mapper; the CAD digest no longer
deep-copies the CAD; responses are serialised without building pydifact segments first. Before these
changes, on a 0.01 scale day (one run each), PostgreSQL did 957 lines/s with one worker and SQLite 1,431.

Then, on 2026-12-03, each stage's CPU time was cut with `CARM_BENCH_STAGE_CLOCK=cpu` (stage times in CPU
time, to compare stages while other work shares the machine) and the same outputs checked old against new:
the D.16A walk prepares each table level once (about half its CPU); the mapper builds a finding's pointer only
for a finding (about a third less); one assessment per CAD serves both the declared-amount rule and the
posting, and the digest lets `json` write what it knows (decide about 55 % less); responses escape only text
holding a service character and are written message by message (render about 60 % less); and the claim
reads a partial index of the waiting files (migration 0002) instead of walking every answered file in id
order. On the same machine the whole day went from 324 s (1,752 lines/s; a profiling run shared the
machine for about its first minute) to the figures below. That machine (an AMD EPYC at 2.4 GHz) is slower
than the Intel Xeon of the earlier records: pydifact's own rate on the same bytes fell from 4,617 to about
3,000 lines/s, which is why each record gives the ratio measured in its run.

A third round the same day: a file's journal entries, their lines and its accepted versions are appended with
COPY on PostgreSQL (`ledger/bulk_insert.py`; the entries' ids read back by key) instead of INSERTs of many
VALUES whose long text psycopg parsed anew for every file (post about half its CPU); the reference snapshot
builds each distinct tariff rate once (7,360 rates of the fixture tariff, 118 distinct) and the pipeline
copies a file's history once per accepted CAD instead of three times (context about 40 % less CPU at 0.02
scale); due dates are worked out once per release date, a free rate costs no Decimal arithmetic and one JSON
encoder writes every digest (decide about 14 % less); placements are NamedTuples and dates are parsed once
per stamp (reading about 10 % less). The whole day went from 184 s (3,094 lines/s) to the figures below.
The tables of the PostgreSQL template that a day only reads (brokers, importers, delegations, reference data)
are analyzed once loaded, as autovacuum would have done on a live database (a copy of a template starts with
no change counters, and this machine's PostgreSQL runs with autovacuum off). Without planner statistics each
file's importers were looked up by scanning all 137,000 delegations, about 20 ms a file, which the earlier
whole-day records count in their "context" row (about 50 s of the two workers' 312 s in the last of them).
The tables the day writes were at first left without statistics: analyzed while empty, and never again with
autovacuum off, they made every foreign-key check of a journal line scan all the entries (the whole day took
250 s).

A fourth round, the same day: the tables the day writes are now maintained while it runs as autovacuum would
do it (`bench/autovacuum.py`: where the server's autovacuum is off, the benchmark visits the run's database
every `autovacuum_naptime` and runs the VACUUM and ANALYZE that PostgreSQL's own thresholds call for, with
autovacuum's cost delay, on the same machine). Without it the planner guessed the CAD versions' size, and each
file's history was looked up by scanning every version: 13.8 s of the server's CPU over the day, growing with
it, against 2.4 s with the stand-in (measured with pg_stat_statements). The daemon, and the benchmark's
workers like it, tune the garbage collector once started (`gateway.daemon.tune_garbage_collector`): at
CPython's default thresholds it took about 1.6 s of each worker's 13.5 s on a 0.1 scale day, 0.2 s after.
The whole day then took 116.5 s (4,879 lines/s, median of 3) on pyenv's CPython 3.11.7.

A fifth round, the same day, with the same code: `make` now builds `.venv` on the distribution's CPython
(Debian's 3.11.2, /usr/bin/python3, built with profile-guided and link-time optimization) instead of the
`python3` on the PATH, which here was pyenv's 3.11.7 (a default build: shared libpython, neither
optimization). A 0.25 scale day, the two interpreters run alternately: 31.6 and 34.5 s on pyenv's, 23.4 and
23.8 s on Debian's. pydifact gains more from it than the gateway (2,224 lines/s on pyenv's build, 3,559 on
Debian's), so the ratio to pydifact fell while the rate rose. The records below name the interpreter.

A sixth round, in the evening of 2026-12-03, on another machine: an Intel Xeon at 2.60 GHz (2 CPUs), shared
with other work and much noisier than the EPYC (pydifact's own rate 1,692 to 2,179 lines/s between runs, the
same 0.25 scale day 36 to 51 s). The EPYC's last record, which this one replaces, was a median of 94.4 s
(6,020 lines/s, 1.7x pydifact, 2 workers, `--runs 3`), meeting the target. Since then the code under this
benchmark changed in two ways: the journal writes the text it hashes directly (same text) and the account
columns have the "C" collation on PostgreSQL (migration 0004, for the batches). The same whole day, one run
each, alternately on this machine: 149.4 s (3,803 lines/s, pydifact 1,692) before those changes and 131.7 s
(4,313 lines/s, pydifact 2,179) after them, so they cost nothing measurable. The record below
(`--workers 2,3 --runs 3`) ran while the machine was slower still: 158.7 s (3,581 lines/s, 1.9x pydifact
at 1,868 lines/s) with 2 workers and the same with 3: a third worker process did not help; the two cores are
busy with the workers and PostgreSQL. Against the EPYC's record every stage took about 1.6 times as long, in
the same shares of the whole (parse + structure + map 37-38 %, post 18 %, decide 14 %): the machine, not a
stage, made the difference, and there the target of 5,000 lines/s was not met.

On 2026-12-07 the machine was an AMD EPYC again (2 CPUs, a newer kernel build), and the whole day ran on
the code of the Xeon record (the commits since touch only the batches, which this benchmark does not run).
The three runs of the record below took 96.1, 86.9 and 89.4 s; a single run an hour earlier, 104.7 s
(5,427 lines/s, pydifact 4,597). pydifact's own rate here is more than twice the Xeon's, so the ratio to it
is lower than there (1.5x against 1.9x) while the rate is higher: the target holds on this machine, with
the margin of the slowest run (5,912 lines/s), and does not on a machine as loaded as the Xeon was.
"""


def _write(run: str, scale: float) -> None:
    """Record `run` in the Load section of docs/BENCHMARKS.md as the subsection of its scale (the
    subsections of other scales are kept)."""
    path = REPO / "docs" / "BENCHMARKS.md"
    text_ = path.read_text()
    marker = "\n## Load\n"
    if marker in text_:
        before, rest = text_.split(marker, 1)
        after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
        body = rest[: len(rest) - len(after)]
    else:
        before, after, body = text_.rstrip("\n"), "", ""
    runs = {}
    for part in body.split("\n### ")[1:]:
        title, _, content = part.partition("\n")
        runs[title.strip()] = content.strip("\n")
    runs[_title(scale)] = run.strip("\n")
    ordered = sorted(runs.items(), key=lambda item: -_scale_of(item[0]))
    subsections = "".join(f"\n### {title}\n\n{content}\n" for title, content in ordered)
    path.write_text(f"{before.rstrip()}\n{marker}\n{NOTES}{subsections}{after}")


def _title(scale: float) -> str:
    return "The whole national day" if scale == 1 else f"{scale:g} of the national day"


def _scale_of(title: str) -> float:
    return 1.0 if title.startswith("The whole") else float(title.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=0.05, help="fraction of the national day (1 = 115,000 CADs)"
    )
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2", help="worker process counts to run, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pydifact-bytes", type=int, default=5 * MB)
    parser.add_argument("--pydifact-runs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="record the result in docs/BENCHMARKS.md")
    parser.add_argument(
        "--busy", action="store_true", help="say in the record that other work shared the machine"
    )
    parser.add_argument(
        "--profile", help="run the workers under cProfile, writing PATH.<pid>.prof (no stages)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    day = national_day(args.scale)
    print(
        f"day: {len(day.files)} files, {day.cads} CADs, {day.lines} lines, {day.bytes / MB:.1f} MB",
        file=sys.stderr,
    )
    baseline = pydifact_seconds_per_byte(day, args.pydifact_bytes, args.pydifact_runs)
    results: dict[tuple[str, int], list[RunResult]] = {}
    with tempfile.TemporaryDirectory(prefix="carm-load-") as folder_name:
        folder = Path(folder_name)
        for backend in args.stores.split(","):
            setup = time.perf_counter()
            template = make_template(backend, day, folder)
            print(f"{backend}: loaded in {time.perf_counter() - setup:.0f} s", file=sys.stderr)
            for workers in (int(n) for n in args.workers.split(",")):
                for _ in range(args.runs):
                    run = run_once(template, workers, folder, args.profile)
                    results.setdefault((backend, workers), []).append(run)
                    print(
                        f"{backend} x{workers}: {run.seconds:.2f} s, {day.lines / run.seconds:,.0f} lines/s, "
                        f"files {run.files_per_worker}, {run.check}",
                        file=sys.stderr,
                    )
            if backend == "postgresql":
                _drop_database(template.location)
    run = report(day, results, baseline, args)
    section = f"{NOTES}\n### {_title(args.scale)}\n\n{run}"
    print(section)
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if args.write:
        _write(run, args.scale)


if __name__ == "__main__":
    main()
