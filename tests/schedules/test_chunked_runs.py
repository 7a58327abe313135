"""Batches commit a chunk of accounts at a time, on both stores: the record says how far a run has come, a run
stopped between chunks resumes after its last one, a failure keeps the chunks before it (a rerun finds
them unchanged), and two processes on one attempt never both write a chunk; on PostgreSQL, a run over many
accounts never holds more than a chunk's worth of the journal's account locks."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, select, text

from bench.batches import generate
from gateway.bootstrap import System
from ledger.batches import OutboundFile
from ledger.database import create_engine_for
from ledger.schema import batch_run, outbound_file
from ledger.statements import AccountRange
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from parsers.rates_csv import parse_interest_rates
from schedules.errors import BatchFailed
from schedules.report import AccountWork, BatchJob
from schedules.runner import CHUNK_ACCOUNTS, run_batch
from tests.conftest import REPO, Store
from tests.faults.daemons import with_application_name

DAY = dt.date(2025, 8, 1)
JOB = "listing"
ACCOUNTS = [f"{n}00000000RM0001" for n in range(1, 6)]  # five accounts, in order
CHUNK = 2  # three chunks: 1-2, 3-4, 5


class Stopped(BaseException):
    """A stop the runner's boundary does not catch (it catches Exception): as good as a kill between
    chunks, since nothing of the run is recorded after it."""


@dataclass
class ListingJob:
    """Yields a file per account for one broker; calls `at(account)` before yielding that account."""

    broker_id: int
    at: Callable[[str], None] = lambda _account: None
    asked_after: list[str | None] = field(default_factory=list)

    def __call__(
        self, day: dt.date, _reader: SqlAlchemyUnitOfWork, accounts: AccountRange
    ) -> Iterator[AccountWork]:
        self.asked_after.append(accounts.after)
        for account in ACCOUNTS:
            if account not in accounts:
                continue
            self.at(account)
            file = OutboundFile(
                broker_id=self.broker_id, name=f"x-{account}-{day}.xml", kind="dn", content=b"x"
            )
            yield AccountWork(account=account, files=(file,), counts={"accounts": 1})


def broker_id(system: System) -> int:
    with system.unit_of_work() as uow:
        found = uow.parties.add_broker(sender_id="LISTBROKER", bn15="200000008RM0001", name="List")
        uow.commit()
    return found.id


def run(system: System, job: ListingJob | BatchJob, *, force: bool = False) -> dict[str, int] | None:
    report = run_batch(system, JOB, DAY, force, jobs={JOB: job}, chunk_accounts=CHUNK)
    return None if report is None else report.counts


def attempts(system: System) -> list[tuple[int, str, dict[str, object] | str | None]]:
    """(attempt, status, progress as JSON while running, else the detail) of every attempt, in order."""
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(select(batch_run).order_by(batch_run.c.attempt)).all()
    return [
        (row.attempt, row.status, json.loads(row.detail) if row.status == "running" else row.detail)
        for row in rows
    ]


def files_sent(system: System) -> Counter[str]:
    with system.unit_of_work() as uow:
        return Counter(uow.connection.execute(select(outbound_file.c.name)).scalars())


def test_each_chunk_is_committed_with_how_far_the_run_has_come(system: System) -> None:
    seen: list[tuple[int, object]] = []

    def look(account: str) -> None:  # what another connection sees before each account is yielded
        (_, _, progress), *_ = attempts(system)
        seen.append((sum(files_sent(system).values()), progress))

    counts = run(system, ListingJob(broker_id(system), at=look))
    assert counts == {"accounts": 5, "files": 5}
    assert (seen[0], seen[2], seen[4]) == (
        (0, {"after": None, "counts": {}}),
        (2, {"after": ACCOUNTS[1], "counts": {"accounts": 2, "files": 2}}),
        (4, {"after": ACCOUNTS[3], "counts": {"accounts": 4, "files": 4}}),
    )
    assert attempts(system) == [(1, "succeeded", "listing for 2025-08-01: 5 accounts, 5 files")]


def test_a_run_stopped_between_chunks_resumes_after_its_last_chunk_and_sends_each_file_once(
    system: System,
) -> None:
    def stop_at_the_fourth(account: str) -> None:
        if account == ACCOUNTS[3]:
            raise Stopped

    job = ListingJob(broker_id(system), at=stop_at_the_fourth)
    with pytest.raises(Stopped):
        run(system, job)
    assert attempts(system) == [(1, "running", {"after": ACCOUNTS[1], "counts": {"accounts": 2, "files": 2}})]
    job.at = lambda _account: None
    assert run(system, job) == {"accounts": 5, "files": 5}  # the counts of both processes' chunks
    assert job.asked_after == [None, ACCOUNTS[1]]  # resumed after the last committed chunk
    assert files_sent(system) == Counter(f"x-{account}-{DAY}.xml" for account in ACCOUNTS)
    assert [status for _, status, _ in attempts(system)] == ["succeeded"]
    assert run(system, job) is None  # done


def test_a_failure_keeps_the_chunks_before_it_and_a_rerun_finds_them_unchanged(system: System) -> None:
    def fail_at_the_fourth(account: str) -> None:
        if account == ACCOUNTS[3]:
            raise RuntimeError("the fourth account is broken")

    job = ListingJob(broker_id(system), at=fail_at_the_fourth)
    with pytest.raises(BatchFailed, match="the fourth account is broken"):
        run(system, job)
    assert attempts(system) == [(1, "failed", "RuntimeError: the fourth account is broken")]
    assert sum(files_sent(system).values()) == 2  # chunk one; chunk two was rolled back
    job.at = lambda _account: None
    assert run(system, job) == {"accounts": 5, "unchanged": 2, "files": 3}
    assert job.asked_after == [None, None]  # a new attempt starts from the first account
    assert files_sent(system) == Counter(f"x-{account}-{DAY}.xml" for account in ACCOUNTS)


def test_a_file_already_sent_with_other_content_fails_the_run(system: System) -> None:
    job = ListingJob(broker_id(system))
    run(system, job)

    def changed(day: dt.date, reader: SqlAlchemyUnitOfWork, accounts: AccountRange) -> Iterator[AccountWork]:
        for work in job(day, reader, accounts):
            yield AccountWork(
                account=work.account,
                files=tuple(
                    OutboundFile(broker_id=f.broker_id, name=f.name, kind=f.kind, content=b"y")
                    for f in work.files
                ),
            )

    with pytest.raises(BatchFailed, match=f"x-{ACCOUNTS[0]}-{DAY}.xml was already sent .* other content"):
        run(system, changed, force=True)


def test_a_process_whose_attempt_another_process_finished_stops_without_writing_again(system: System) -> None:
    other = ListingJob(broker_id(system))

    def meanwhile(account: str) -> None:  # between this process's chunks, another one resumes and finishes
        if account == ACCOUNTS[2]:
            assert run(system, other) == {"accounts": 5, "files": 5}

    assert run(system, ListingJob(other.broker_id, at=meanwhile)) is None
    assert other.asked_after == [ACCOUNTS[1]]
    assert files_sent(system) == Counter(f"x-{account}-{DAY}.xml" for account in ACCOUNTS)
    assert [(attempt, status) for attempt, status, _ in attempts(system)] == [(1, "succeeded")]


def journal_locks(admin: Engine, application_name: str) -> int:
    """How many of the journal's per-account advisory locks (the one-key form) the named connections hold."""
    with admin.connect() as connection:
        query = text(
            "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
            "WHERE application_name = :name AND locktype = 'advisory' AND objsubid = 1"
        )
        return int(connection.execute(query, {"name": application_name}).scalar_one())


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_interest_on_many_accounts_never_holds_more_than_a_chunk_of_account_locks(
    store: Store, system: System, postgres_admin: Engine | None
) -> None:
    # Posting takes an advisory lock per account, held until the commit, in PostgreSQL's shared lock table
    # (max_locks_per_transaction × max_connections slots, some 10,000-20,000 here): one transaction over the
    # 125,000 accounts of a national interest run fails with "out of shared memory". Chunks hold at most
    # CHUNK_ACCOUNTS, whatever the number of accounts.
    assert postgres_admin is not None
    accounts = 4 * CHUNK_ACCOUNTS
    generate(system.engine, accounts)
    rates = parse_interest_rates((REPO / "fixtures" / "reference" / "interest-rates.csv").read_bytes())
    with system.unit_of_work() as uow:
        uow.reference.load_interest_rates(rates)
        uow.commit()
    name = f"carm_locks_{uuid.uuid4().hex[:8]}"
    engine = create_engine_for(with_application_name(store.url, name))
    held: list[int] = []
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run = pool.submit(
            run_batch, dataclasses.replace(system, engine=engine), "interest", dt.date(2025, 8, 5)
        )
        while not run.done():
            held.append(journal_locks(postgres_admin, name))
        report = run.result()
    engine.dispose()
    assert report is not None and report.counts["entries"] == accounts
    assert 0 < max(held) <= CHUNK_ACCOUNTS, max(held)  # seen posting, and never more than a chunk at once
