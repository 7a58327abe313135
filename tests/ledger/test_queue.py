"""The inbound queue: claims inside the processing transaction, retries, and interchange duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import text, update

from domain.clock import FixedClock
from gateway.bootstrap import System
from ledger.files import FileStatus
from ledger.queue import WAITING, claim_query
from ledger.schema import inbound_file
from tests.conftest import FIXED_NOW, Store


def upload(system: System, *names: str) -> list[int]:
    with system.unit_of_work() as uow:
        if uow.parties.find_broker("BROKERA") is None:
            uow.parties.add_broker(sender_id="BROKERA", bn15="100000009RM0001", name="A")
        ids = [uow.files.receive(sender_id="BROKERA", filename=name, raw=name.encode()) for name in names]
        uow.commit()
    return ids


def test_files_are_claimed_oldest_first_and_a_finished_file_is_not_claimed_again(system: System) -> None:
    first, second = upload(system, "a.edi", "b.edi")
    with system.unit_of_work(immediate=True) as uow:
        claimed = uow.queue.claim_next()
        assert claimed is not None
        assert (claimed.id, claimed.raw, claimed.sender_id) == (first, b"a.edi", "BROKERA")
        uow.queue.finish(claimed.id, outcome="accepted", sender_id="BROKERA", control_reference="1")
        uow.commit()
    with system.unit_of_work(immediate=True) as uow:
        claimed = uow.queue.claim_next()
        assert claimed is not None and claimed.id == second


def test_a_claim_rolled_back_by_a_crash_leaves_the_file_waiting(system: System) -> None:
    (only,) = upload(system, "a.edi")
    with system.unit_of_work(immediate=True) as uow:
        assert uow.queue.claim_next() is not None
        # no commit: the worker died
    with system.unit_of_work(immediate=True) as uow:
        claimed = uow.queue.claim_next()
        assert claimed is not None and claimed.id == only


def test_a_held_file_waits_until_its_retry_time(system: System) -> None:
    (only,) = upload(system, "a.edi")
    with system.unit_of_work(immediate=True) as uow:
        uow.queue.hold(only, error="database went away", retry_at=FIXED_NOW + dt.timedelta(seconds=30))
        uow.commit()
    with system.unit_of_work(immediate=True) as uow:
        assert uow.queue.claim_next() is None
    later = dataclasses.replace(system, clock=FixedClock(FIXED_NOW + dt.timedelta(seconds=31)))
    with later.unit_of_work(immediate=True) as uow:
        claimed = uow.queue.claim_next()
        assert claimed is not None and claimed.attempts == 1


def test_two_workers_on_postgresql_never_claim_the_same_file(system: System) -> None:
    upload(system, "a.edi", "b.edi")
    if system.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: a second BEGIN IMMEDIATE waits for the first")
    with system.unit_of_work(immediate=True) as first, system.unit_of_work(immediate=True) as second:
        one, two = first.queue.claim_next(), second.queue.claim_next()
        assert one is not None and two is not None
        assert one.id != two.id


def test_an_interchange_is_remembered_once_per_sender_and_reference(system: System) -> None:
    (file_id,) = upload(system, "a.edi")
    with system.unit_of_work() as uow:
        assert uow.queue.remember_interchange(sender_id="BROKERA", control_reference="42", file_id=file_id)
        assert not uow.queue.remember_interchange(
            sender_id="BROKERA", control_reference="42", file_id=file_id
        )
        assert uow.queue.remember_interchange(sender_id="BROKERB", control_reference="42", file_id=file_id)
        uow.commit()


def test_holding_a_file_already_answered_leaves_it_answered(system: System) -> None:
    """A worker whose commit acknowledgement was lost holds a file that is in fact DONE: it stays DONE."""
    (only,) = upload(system, "a.edi")
    with system.unit_of_work(immediate=True) as uow:
        uow.queue.finish(only, outcome="accepted", sender_id="BROKERA", control_reference="1")
        uow.commit()
    with system.unit_of_work() as uow:
        uow.queue.hold(only, error="the connection dropped during COMMIT", retry_at=FIXED_NOW)
        uow.commit()
    with system.unit_of_work(immediate=True) as uow:
        assert uow.queue.claim_next() is None


def test_the_waiting_statuses_are_those_of_a_file_stored_or_held_for_a_retry() -> None:
    assert (FileStatus.RECEIVED.value, FileStatus.HELD.value) == WAITING


def test_a_claim_reads_the_waiting_files_and_not_every_file_ever_answered(
    system: System, store: Store
) -> None:
    ids = upload(system, *(f"f{n}.edi" for n in range(2_000)))
    with system.engine.begin() as connection:
        answered = inbound_file.c.id < ids[-1]
        connection.execute(update(inbound_file).where(answered).values(status=FileStatus.DONE.value))
        connection.execute(text("ANALYZE"))
        query = claim_query(FIXED_NOW).compile(system.engine, compile_kwargs={"render_postcompile": True})
        explain = "EXPLAIN" if store.backend == "postgresql" else "EXPLAIN QUERY PLAN"
        params = tuple(query.params[name] for name in query.positiontup or ()) or query.params
        plan = " ".join(str(row) for row in connection.exec_driver_sql(f"{explain} {query}", params))
    # SQLite searches the status index, PostgreSQL the partial index of waiting files; neither walks the
    # primary key through the 1,999 answered files.
    assert "ix_inbound_file_waiting" in plan or "ix_inbound_file_queue (status=?)" in plan, plan
    with system.unit_of_work(immediate=True) as uow:
        claimed = uow.queue.claim_next()
        assert claimed is not None and claimed.id == ids[-1]
