"""The daily notices read in worker processes (`schedules.processes`), on PostgreSQL: the same notices, byte
for byte, and the same counts as read in the runner's own process; no worker outlives its run; a worker's
error fails the run as the error itself (a tampered entry, naming its account), or as its text when it
cannot be sent back. Killed and resumed runs read
in processes are in tests/faults/test_batch_kills.py (1,500 accounts: three ranges)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import multiprocessing
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from bench.batches import NOTICE_DAY, generate
from gateway.bootstrap import System
from ledger.errors import StoreUnavailable
from ledger.schema import outbound_file
from ledger.statements import ALL_ACCOUNTS, AccountRange
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.errors import BatchFailed
from schedules.jobs import JOBS
from schedules.processes import export_snapshot, read_one_snapshot, works_in_processes
from schedules.report import AccountWork
from schedules.runner import run_batch
from tests.builders import tamper_with_a_line
from tests.faults.stores import ON_POSTGRESQL

ACCOUNTS = 40
CHUNK = 6  # seven ranges of registered importers
JOB = "daily-notices"


@pytest.fixture
def sample(system: System) -> System:
    """40 accounts with a month of CADs and, on 2 July, four CADs each and a payment by four in five."""
    generate(system.engine, ACCOUNTS)
    return system


def processes(system: System, count: int) -> System:
    return dataclasses.replace(system, settings=dataclasses.replace(system.settings, batches_processes=count))


def sent(system: System) -> dict[str, str]:
    with system.engine.connect() as connection:
        rows = connection.execute(select(outbound_file.c.name, outbound_file.c.content))
        return {row.name: hashlib.sha256(row.content).hexdigest() for row in rows}


@ON_POSTGRESQL
def test_notices_read_in_processes_are_those_read_in_the_runners_process(sample: System) -> None:
    with capture_logs() as logs:
        parallel = run_batch(processes(sample, 2), JOB, NOTICE_DAY, chunk_accounts=CHUNK)
    read = [log for log in logs if log["event"] == "batch.read_in_processes"]
    assert [(log["job"], log["processes"], log["ranges"]) for log in read] == [(JOB, 2, 7)]
    assert multiprocessing.active_children() == []
    files = sent(sample)
    serial = run_batch(processes(sample, 1), JOB, NOTICE_DAY, force=True, chunk_accounts=CHUNK)

    assert parallel is not None and serial is not None
    postings = ACCOUNTS * 4 + ACCOUNTS * 4 // 5
    assert parallel.counts == {"accounts": ACCOUNTS, "postings": postings, "files": ACCOUNTS}
    assert serial.counts == {"accounts": ACCOUNTS, "postings": postings, "unchanged": ACCOUNTS}  # same bytes
    assert len(files) == ACCOUNTS and sent(sample) == files


@ON_POSTGRESQL
def test_a_tampered_entry_read_in_a_worker_fails_the_run_naming_the_account(sample: System) -> None:
    tamper_with_a_line(sample, "cad:D23-2:1")  # account 23's third CAD of 2 July (bench.batches)

    with pytest.raises(BatchFailed, match=r"100000023RM0001.*altered after posting"):
        run_batch(processes(sample, 2), JOB, NOTICE_DAY, chunk_accounts=CHUNK)
    assert multiprocessing.active_children() == []
    assert len(sent(sample)) == 18  # the three chunks before account 23's were committed


class Stubborn(Exception):
    """An error that cannot be unpickled: its arguments are not what its __init__ takes."""

    def __init__(self, account: str, reason: str) -> None:
        super().__init__(f"account {account}: {reason}")


def stubborn_job(day: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange) -> Iterator[AccountWork]:
    yield AccountWork(account=accounts.through or "Z", counts={"accounts": 1})
    raise Stubborn(accounts.through or "Z", "cannot go on")


@ON_POSTGRESQL
def test_an_error_a_worker_cannot_send_back_reaches_the_runner_as_its_text(system: System) -> None:
    ranges = [AccountRange(None, "A"), AccountRange("A", "B"), AccountRange("B", None)]
    with system.unit_of_work() as reader:
        read_one_snapshot(reader)
        works = works_in_processes(
            stubborn_job,
            NOTICE_DAY,
            ranges,
            database_url=system.settings.database_url,
            snapshot=export_snapshot(reader),
            clock=system.clock,
            processes=2,
        )
        with pytest.raises(RuntimeError, match=r"^Stubborn: account A: cannot go on$"):
            list(works)
    assert multiprocessing.active_children() == []


@ON_POSTGRESQL
def test_a_worker_finding_the_runners_snapshot_gone_reports_the_store_unavailable(sample: System) -> None:
    """The runner's reading connection dropped (terminated, PostgreSQL restarted) just before a worker imports
    its snapshot: PostgreSQL no longer knows the snapshot, and the run must stop as interrupted, to be
    resumed, not as failed (tests/faults/test_batch_kills.py met this race)."""
    with sample.unit_of_work() as reader:
        read_one_snapshot(reader)
        snapshot = export_snapshot(reader)
    # the exporting transaction has ended, as the runner's does when its connection goes
    works = works_in_processes(
        JOBS[JOB],
        NOTICE_DAY,
        [ALL_ACCOUNTS],
        database_url=sample.settings.database_url,
        snapshot=snapshot,
        clock=sample.clock,
        processes=1,
    )
    with pytest.raises(StoreUnavailable, match=rf"snapshot {snapshot} is gone with the runner's reading"):
        list(works)
    assert multiprocessing.active_children() == []
