"""Kill rounds: start daemons, SIGKILL each at a seeded random point, check, repeat (test helper).

A first round measures how long a file takes. Then each round draws, per daemon, a number of files to let
it finish (0 to a few) and a fraction of a file: the daemon is killed that fraction of a file's time after
it logged its last wanted `file.processed` (or after `daemon.started`, for none; then the fraction is of
the slower cold first file). So every round makes some progress however loaded the machine is, and the
kills fall at every point of a file: claiming, reading, posting, writing responses, committing, and
between files. Where each kill landed is recorded just before it: on PostgreSQL the daemon's connection
state and the gist of its last statement, on SQLite whether it held the write lock (was in a transaction).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, text

from ledger.files import FileStatus
from ledger.schema import inbound_file
from tests.faults.checks import assert_all_or_nothing
from tests.faults.daemons import Gateway, Gateways
from tests.faults.stores import sqlite_write_locked
from tests.faults.workload import PlannedFile

FILES_PER_ROUND = 7  # at most, shared by the daemons of a round: some 12 rounds for 50 files
CALIBRATION_FILES = 5
MAX_ROUNDS = 60
ROUND_TIMEOUT = 60.0
IN_TRANSACTION = ("in a transaction", "idle in transaction", "active")

Snapshot = Callable[[Gateway], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Kill:
    daemon: str
    files: int  # files it logged as processed before the kill
    fraction: float  # of a file's time, after its last wanted file (or its start)
    phase: str  # what its store connection was doing just before the kill

    @property
    def in_transaction(self) -> bool:
        return self.phase.startswith(IN_TRANSACTION)


@dataclass(slots=True)
class KillReport:
    first_file: float = 0.0  # seconds from daemon.started to the first file processed (a cold start)
    per_file: float = 0.0  # seconds per file after that
    rounds: int = 0
    kills: list[Kill] = field(default_factory=list)

    def summary(self) -> str:
        files = Counter(str(k.files) if k.files < 4 else "4+" for k in self.kills)
        phases = Counter(k.phase for k in self.kills)
        inside = sum(k.in_transaction for k in self.kills)
        return (
            f"{self.rounds} rounds, {len(self.kills)} kills; first file {self.first_file * 1000:.0f} ms, "
            f"then {self.per_file * 1000:.1f} ms a file; {inside} kills inside a transaction; "
            f"files done before the kill: {dict(sorted(files.items()))}; where: {dict(phases.most_common())}"
        )


def _timestamp(event: dict[str, object]) -> float:
    return dt.datetime.fromisoformat(str(event["timestamp"])).timestamp()


def _processed(gateway: Gateway) -> list[dict[str, object]]:
    return [e for e in gateway.events() if e.get("event") == "file.processed"]


def _waiting(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(inbound_file.c.status != FileStatus.DONE.value)
        return int(connection.execute(query).scalar_one())


def calibrate(gateways: Gateways, name: str, report: KillReport) -> None:
    """Round one: let a daemon process a few files, kill it, and measure how long the files took."""
    gateway = gateways.start(name)
    started = _timestamp(gateway.wait_for("daemon.started"))
    deadline = time.monotonic() + ROUND_TIMEOUT
    while len(_processed(gateway)) < CALIBRATION_FILES and time.monotonic() < deadline:
        time.sleep(0.002)
    gateway.kill()
    stamps = [_timestamp(e) for e in _processed(gateway)]
    assert len(stamps) >= CALIBRATION_FILES, gateway.stderr()
    report.first_file = stamps[0] - started
    report.per_file = statistics.median(later - earlier for earlier, later in itertools.pairwise(stamps))
    report.rounds = 1


@dataclass(slots=True, kw_only=True)
class _Target:
    gateway: Gateway
    files: int  # to let it finish before the kill
    fraction: float  # of a file's time, to wait after them
    kill_at: float | None = None  # time.monotonic() of the kill, once known

    def schedule(self, report: KillReport, engine: Engine) -> None:
        if not self.gateway.seen("daemon.started"):
            return
        if self.files == 0:  # killed during its start or its cold first file
            self.kill_at = time.monotonic() + self.fraction * report.first_file
        elif self.gateway.seen("file.processed") >= self.files or not _waiting(engine):
            self.kill_at = time.monotonic() + self.fraction * report.per_file


def kill_round(
    gateways: Gateways,
    names: Sequence[str],
    draws: Sequence[tuple[int, float]],
    engine: Engine,
    report: KillReport,
    snapshot: Snapshot,
) -> list[Kill]:
    """Start the daemons; kill each `fraction` of a file after its `files`-th file (or once none waits)."""
    targets = [
        _Target(gateway=gateways.start(name), files=files, fraction=fraction)
        for name, (files, fraction) in zip(names, draws, strict=True)
    ]
    kills: list[Kill] = []
    deadline = time.monotonic() + ROUND_TIMEOUT
    while len(kills) < len(targets):
        assert time.monotonic() < deadline, [t.gateway.stderr() for t in targets]
        for target in targets:
            if target.kill_at is None:
                target.schedule(report, engine)
            elif target.gateway.process.poll() is None and time.monotonic() >= target.kill_at:
                phase = snapshot(target.gateway)
                target.gateway.kill()
                files = len(_processed(target.gateway))
                kills.append(
                    Kill(daemon=target.gateway.name, files=files, fraction=target.fraction, phase=phase)
                )
        time.sleep(0.001)
    return kills


def kill_until_done(
    gateways: Gateways,
    names: Sequence[str],
    engine: Engine,
    plan: dict[int, PlannedFile],
    *,
    seed: int,
    snapshot: Snapshot,
) -> KillReport:
    """Kill rounds until every file is answered, checking after each that no file is half answered."""
    rng = random.Random(seed)
    report = KillReport()
    calibrate(gateways, names[0], report)
    most = FILES_PER_ROUND // len(names)
    while assert_all_or_nothing(engine, plan) < len(plan):
        assert report.rounds < MAX_ROUNDS, f"files still waiting after {MAX_ROUNDS} rounds"
        draws = [(rng.randint(0, most), rng.random()) for _ in names]
        report.kills += kill_round(gateways, names, draws, engine, report, snapshot)
        report.rounds += 1
    return report


def sqlite_phase(url: str) -> Snapshot:
    """Whether a worker holds SQLite's write lock, i.e. is inside its claiming transaction."""

    def snapshot(_gateway: Gateway) -> str:
        return "in a transaction" if sqlite_write_locked(url) else "between transactions"

    return snapshot


def postgresql_phase(admin: Engine, application_name: Callable[[str], str]) -> Snapshot:
    """What the daemon's database connections are doing: state and the gist of the last statement."""

    def snapshot(gateway: Gateway) -> str:
        with admin.connect() as connection:
            rows = connection.execute(
                text("SELECT state, query FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name(gateway.name)},
            ).all()
        busy = [row for row in rows if row.state != "idle"]
        if not busy:
            return "idle between files"
        return f"{busy[0].state} after {_gist(busy[0].query)}"

    return snapshot


_GISTS = (
    ("SKIP LOCKED", "claiming"),
    ("interchange_seen", "duplicate check"),
    ("SAVEPOINT", "duplicate check"),
    ("pg_advisory_xact_lock", "posting"),
    ("journal_", "posting"),
    ("INSERT INTO cad_version", "recording the version"),
    ("outbound_file", "writing responses"),
    ("UPDATE inbound_file", "marking done"),
    ("COMMIT", "commit"),
)


def _gist(query: str) -> str:
    for marker, gist in _GISTS:
        if marker in query:
            return gist
    return "reading context"
