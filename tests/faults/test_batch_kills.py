"""Batches killed at random points (SIGKILL of `carm-gateway batch run`) and restarted: each notice and
statement is sent exactly once, each interest entry posted once, no chunk is done twice, and `ledger verify`
is clean — on SQLite and on PostgreSQL; and, on PostgreSQL, a batch whose connections are terminated stops,
is not marked failed, and resumes on the next run without an operator.

1,500 accounts (three chunks of `CHUNK_ACCOUNTS`), generated as the batch benchmark does (bench/batches.py):
interest for 5 and 6 August (every account overdue), the daily notices of three days, the statements of June
and July. Each round starts the first batch that is not done yet and kills its whole process group after a
seeded random delay (interpreter start-up included, so kills fall before, during and between chunks, and after
the end); a run that ends before its kill counts as done. The summary of each run's one succeeded attempt sums
the counts of every process that worked on it: `unchanged` there would mean a chunk was applied twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bench.batches import generate
from gateway.bootstrap import System
from ledger.batches import RunStatus
from ledger.schema import batch_run, journal_entry, journal_line, outbound_file
from parsers.rates_csv import parse_interest_rates
from schedules.runner import CHUNK_ACCOUNTS
from tests.conftest import REPO, Store
from tests.faults.checks import console_script
from tests.faults.daemons import CONSOLE_SCRIPT, environment, with_application_name
from tests.faults.stores import ON_POSTGRESQL, terminate_backends, wait_until_disconnected

ACCOUNTS = 3 * CHUNK_ACCOUNTS
ROUNDS = 10
SEED = 8_2025
JOBS = (
    ("interest", "2025-08-05"),
    ("daily-notices", "2025-07-02"),
    ("statements", "2025-07-25"),
    ("interest", "2025-08-06"),
    ("daily-notices", "2025-07-03"),
    ("statements", "2025-06-25"),
    ("daily-notices", "2025-06-30"),
)
KILL_AFTER = (0.5, 2.5)  # seconds after the start, uniformly
ENTRIES = ACCOUNTS * 21  # what bench/batches.py posts per account: an opening CAD and 20 more
PAYMENTS = ACCOUNTS * 4 // 5


@pytest.fixture
def national_sample(system: System) -> System:
    """1,500 accounts with a month of CADs (bench/batches.py) and the prescribed interest rates."""
    generate(system.engine, ACCOUNTS)
    rates = parse_interest_rates((REPO / "fixtures" / "reference" / "interest-rates.csv").read_bytes())
    with system.unit_of_work() as uow:
        uow.reference.load_interest_rates(rates)
        uow.commit()
    return system


def batch_process(url: str, job: str, day: str, directory: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """`carm-gateway batch run JOB --date DAY` in a session of its own, and the file of its JSON log."""
    log = directory / f"{job}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "--database-url", url, "batch", "run", job, "--date", day],
            env=environment(url, directory / "var"),
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def attempt(engine: Engine, job: str, day: str) -> tuple[str, int] | None:
    """The latest attempt's status and how many accounts it has done (from its progress while running)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(batch_run.c.status, batch_run.c.detail)
            .where(batch_run.c.job == job, batch_run.c.business_date == dt.date.fromisoformat(day))
            .order_by(batch_run.c.attempt.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    after = json.loads(row.detail)["after"] if row.status == RunStatus.RUNNING else None
    return row.status, 0 if after is None else int(after[:9]) - 100_000_000 + 1  # bench.batches.bn15


def kill_at_a_random_point(
    engine: Engine, batch: tuple[subprocess.Popen[bytes], Path], job: str, day: str, rng: random.Random
) -> int:
    """Kill the run once it has logged `batch.started` and done 0-2 more chunks, and then a random moment
    more (under a tenth of a second: a chunk takes longer); its exit code, -SIGKILL unless it ended first."""
    process, log = batch
    chunks = rng.randint(0, 2)
    deadline = time.monotonic() + 60
    while process.poll() is None and b'"batch.started"' not in log.read_bytes():
        assert time.monotonic() < deadline, "the batch never started"
        time.sleep(0.002)
    state = attempt(engine, job, day)
    target = (state[1] if state and state[0] == RunStatus.RUNNING else 0) + chunks * CHUNK_ACCOUNTS
    while process.poll() is None and chunks:
        state = attempt(engine, job, day)
        if state is not None and (state[0] != RunStatus.RUNNING or state[1] >= target):
            break
        assert time.monotonic() < deadline, "the batch makes no progress"
        time.sleep(0.002)
    try:
        return process.wait(timeout=rng.uniform(0, 0.1))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=30)


def summaries(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(batch_run.c.job, batch_run.c.detail).where(batch_run.c.status == RunStatus.SUCCEEDED.value)
        )
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.job, []).append(row.detail)
        return found


def sent(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(connection.execute(select(outbound_file.c.kind)).scalars())


# The days each run reports, by hand: a notice covers the days since the business day before it (1 July is
# Canada Day, 28-29 June a weekend); a statement its billing period, the 18th to the 17th.
WINDOWS = {
    ("daily-notices", "2025-07-02"): ("2025-07-01", "2025-07-02"),
    ("daily-notices", "2025-07-03"): ("2025-07-03", "2025-07-03"),
    ("daily-notices", "2025-06-30"): ("2025-06-28", "2025-06-30"),
    ("statements", "2025-07-25"): ("2025-06-18", "2025-07-17"),
    ("statements", "2025-06-25"): ("2025-05-18", "2025-06-17"),
    ("interest", "2025-08-05"): ("2025-08-05", "2025-08-05"),
    ("interest", "2025-08-06"): ("2025-08-06", "2025-08-06"),
}


def expected_summary(engine: Engine, job: str, day: str) -> str:
    """What the one run of `job` for `day` must report, counted from the journal by plain SQL."""
    first, last = (dt.date.fromisoformat(d) for d in WINDOWS[job, day])
    dated = journal_entry.c.business_date.between(first, last)
    with engine.connect() as connection:
        postings, accounts = connection.execute(
            select(func.count(), func.count(func.distinct(journal_entry.c.account))).where(dated)
        ).one()
        cents = connection.execute(
            select(func.coalesce(func.sum(journal_line.c.debit_cents), 0))
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(dated)
        ).scalar_one()
    if job == "interest":
        return f"interest for {day}: {postings} entries, {cents} cents"
    if job == "statements":
        accounts = ACCOUNTS  # every account has a balance
    return f"{job} for {day}: {accounts} accounts, {postings} postings, {accounts} files"


def assert_each_done_exactly_once(store: Store, directory: Path) -> None:
    expected: dict[str, list[str]] = {}
    for job, day in JOBS:
        expected.setdefault(job, []).append(expected_summary(store.engine, job, day))
    found = summaries(store.engine)
    assert {job: sorted(found[job]) for job in found} == {job: sorted(expected[job]) for job in expected}
    assert f"interest for 2025-08-05: {ACCOUNTS} entries" in expected["interest"][0]  # every account overdue
    files = Counter(
        kind for job, kind in (("daily-notices", "dn"), ("statements", "soa")) for _ in expected[job]
    )
    notices = sum(int(summary.split(": ")[1].split()[0]) for summary in expected["daily-notices"])
    assert sent(store.engine) == {"dn": notices, "soa": files["soa"] * ACCOUNTS}  # each once
    verify = console_script(store.url, "ledger", "verify", cwd=directory)
    total = ENTRIES + PAYMENTS + 2 * ACCOUNTS  # and two days of interest
    assert (verify.returncode, verify.stdout.strip()) == (
        0,
        f"ledger verified: {total} entries balanced, hash chains intact",
    ), verify.stderr


def test_batches_killed_at_random_points_and_restarted_send_each_file_once_and_post_each_entry_once(
    store: Store, national_sample: System, tmp_path: Path, postgres_admin: Engine | None
) -> None:
    rng = random.Random(SEED)
    url = with_application_name(store.url, "carm_fault_batch")
    pending = list(JOBS)
    landed: Counter[str] = Counter()
    for _ in range(ROUNDS):
        if not pending:
            break
        job, day = pending[0]
        returncode = kill_at_a_random_point(
            store.engine, batch_process(url, job, day, tmp_path), job, day, rng
        )
        if store.backend == "postgresql" and postgres_admin is not None:
            wait_until_disconnected(postgres_admin, "carm_fault_batch")
        state = attempt(store.engine, job, day)
        if returncode == 0:
            pending.pop(0)
            landed["finished"] += 1
        else:
            assert returncode == -signal.SIGKILL
            landed[
                "mid-run" if state is not None and state[0] == RunStatus.RUNNING else "after it succeeded"
            ] += 1
            landed["after a chunk"] += state is not None and state[0] == RunStatus.RUNNING and state[1] > 0
    for job, day in pending:  # what is left runs to its end, resuming where the kills left it
        assert batch_process(url, job, day, tmp_path)[0].wait(timeout=120) == 0
    print(f"\n{store.backend}: {ROUNDS} rounds; kills landed: {dict(landed)}")
    assert landed["mid-run"] >= 2 and landed["after a chunk"] >= 1, landed  # the kills did cut runs short
    assert_each_done_exactly_once(store, tmp_path)


def running_after_a_chunk(engine: Engine, job: str, day: str) -> bool:
    state = attempt(engine, job, day)
    return state is not None and state[0] == RunStatus.RUNNING and state[1] > 0


@ON_POSTGRESQL
def test_a_batch_whose_connections_are_terminated_stops_unfailed_and_resumes_on_the_next_run(
    store: Store, national_sample: System, tmp_path: Path, postgres_admin: Engine | None
) -> None:
    assert postgres_admin is not None
    url = with_application_name(store.url, "carm_fault_batch")
    terminated, interrupted = 0, 0
    for job, day in JOBS:
        process, _ = batch_process(url, job, day, tmp_path)
        deadline = time.monotonic() + 60
        while not running_after_a_chunk(store.engine, job, day):  # cut it after its first chunk
            assert time.monotonic() < deadline and process.poll() is None, process.returncode
            time.sleep(0.002)
        terminated += terminate_backends(postgres_admin, "carm_fault_batch")
        if process.wait(timeout=60) != 0:
            interrupted += 1
            state = attempt(store.engine, job, day)
            assert state is not None and state[0] == RunStatus.RUNNING  # not failed: to be resumed
            assert batch_process(url, job, day, tmp_path)[0].wait(timeout=120) == 0  # resumed, no operator
    print(
        f"\nterminated {terminated} connections of the batches; {interrupted} of {len(JOBS)} runs interrupted"
    )
    assert terminated and interrupted
    assert_each_done_exactly_once(store, tmp_path)


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@ON_POSTGRESQL
def test_the_workers_reading_the_notices_end_when_the_runs_process_alone_is_killed(
    store: Store, national_sample: System, tmp_path: Path
) -> None:
    process, log = batch_process(store.url, "daily-notices", "2025-07-02", tmp_path)
    deadline = time.monotonic() + 60
    while not (workers := children(process.pid)) or b'"batch.read_in_processes"' not in log.read_bytes():
        assert time.monotonic() < deadline and process.poll() is None, log.read_text()
        time.sleep(0.01)

    process.kill()  # SIGKILL to the run's process only: nothing tells its workers
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while left := {pid for pid in workers if alive(pid)}:
        assert time.monotonic() < deadline, f"workers {sorted(left)} outlived the run's process"
        time.sleep(0.05)
    assert batch_process(store.url, "daily-notices", "2025-07-02", tmp_path)[0].wait(timeout=120) == 0
