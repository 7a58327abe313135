"""Uploads stored while they arrive: an UPLOADING file gains parts, becomes RECEIVED with its last one, or is
abandoned (by its session, or as stale after its daemon died) — and until then nobody sees it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from sqlalchemy import func, select

from domain.clock import FixedClock
from gateway.bootstrap import System
from ledger.files import FileStatus, raw_of
from ledger.operations import Operations
from ledger.schema import inbound_file, inbound_part
from tests.conftest import FIXED_NOW

PARTS = [b"UNA:+.? 'UNB+", b"\x00\xff" * 50, b"UNZ+1+1'"]


def broker(system: System) -> None:
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id="BROKERA", bn15="100000009RM0001", name="A")
        uow.commit()


def begin(system: System, name: str = "big.edi", *parts: bytes) -> int:
    with system.unit_of_work(immediate=True) as uow:
        file_id = uow.files.begin_upload(sender_id="BROKERA", filename=name)
        for seq, data in enumerate(parts):
            assert uow.files.append_part(file_id, seq, data)
        uow.commit()
    return file_id


def finish(system: System, file_id: int, seq: int, tail: bytes, whole: bytes) -> bool:
    with system.unit_of_work(immediate=True) as uow:
        digest = hashlib.sha256(whole).hexdigest()
        finished = uow.files.finish_upload(file_id, seq=seq, tail=tail, size=len(whole), sha256=digest)
        uow.commit()
    return finished


def status_of(system: System, file_id: int) -> str | None:
    with system.unit_of_work() as uow:
        query = select(inbound_file.c.status).where(inbound_file.c.id == file_id)
        return uow.connection.execute(query).scalar()


def part_count(system: System) -> int:
    with system.unit_of_work() as uow:
        return int(uow.connection.execute(select(func.count()).select_from(inbound_part)).scalar_one())


def test_an_upload_in_parts_becomes_a_received_file_with_all_its_bytes_in_order(system: System) -> None:
    broker(system)
    file_id = begin(system, "big.edi", *PARTS[:2])
    assert finish(system, file_id, 2, PARTS[2], b"".join(PARTS))
    with system.unit_of_work(immediate=True) as uow:
        row = uow.connection.execute(select(inbound_file).where(inbound_file.c.id == file_id)).one()
        assert (row.status, row.size) == (FileStatus.RECEIVED.value, len(b"".join(PARTS)))
        assert row.sha256 == hashlib.sha256(b"".join(PARTS)).hexdigest()
        assert raw_of(uow.connection, file_id) == b"".join(PARTS)
        claimed = uow.queue.claim_next()
        assert claimed is not None and (claimed.id, claimed.raw) == (file_id, b"".join(PARTS))
    assert part_count(system) == 3


def test_a_file_whose_size_is_a_whole_number_of_parts_needs_no_empty_tail(system: System) -> None:
    broker(system)
    file_id = begin(system, "big.edi", *PARTS)
    assert finish(system, file_id, 3, b"", b"".join(PARTS))
    with system.unit_of_work() as uow:
        assert raw_of(uow.connection, file_id) == b"".join(PARTS)
    assert part_count(system) == 3


def test_an_upload_still_arriving_is_never_claimed_listed_or_counted_as_waiting(system: System) -> None:
    broker(system)
    begin(system, "big.edi", PARTS[0])
    with system.unit_of_work(immediate=True) as uow:
        operations = Operations(uow.connection, system.clock)
        assert uow.queue.claim_next() is None
        assert uow.files.pending_uploads("BROKERA") == []
        assert not uow.files.rename_inbound_named("BROKERA", "big.edi", "other.edi")
        assert operations.oldest_waiting() is None
        assert operations.queue_depths()[FileStatus.UPLOADING.value] == 1
        assert operations.queue_depths()[FileStatus.RECEIVED.value] == 0


def test_an_abandoned_upload_leaves_no_row_and_no_part(system: System) -> None:
    broker(system)
    kept = begin(system, "kept.edi", PARTS[0])
    assert finish(system, kept, 1, PARTS[1], b"".join(PARTS[:2]))
    gone = begin(system, "gone.edi", *PARTS)
    with system.unit_of_work(immediate=True) as uow:
        assert uow.files.abandon_upload(gone)
        assert not uow.files.abandon_upload(kept)  # stored: never abandoned
        uow.commit()
    assert (status_of(system, gone), status_of(system, kept)) == (None, FileStatus.RECEIVED.value)
    assert part_count(system) == 2
    with system.unit_of_work(immediate=True) as uow:  # and what was abandoned cannot go on
        assert not uow.files.append_part(gone, 3, b"late")
    assert not finish(system, gone, 3, b"late", b"late")


def test_stale_uploads_are_abandoned_and_recent_ones_and_stored_files_kept(system: System) -> None:
    broker(system)
    old = begin(system, "old.edi", PARTS[0])
    with system.unit_of_work() as uow:
        stored = uow.files.receive(sender_id="BROKERA", filename="stored.edi", raw=b"old but stored")
        uow.commit()
    later = dataclasses.replace(system, clock=FixedClock(FIXED_NOW + dt.timedelta(minutes=50)))
    moving = begin(system, "moving.edi", PARTS[0])  # began as early as `old`...
    with later.unit_of_work(immediate=True) as uow:
        assert uow.files.append_part(moving, 1, PARTS[1])  # ...but stored a part 50 minutes later
        uow.commit()
    hour_later = dataclasses.replace(system, clock=FixedClock(FIXED_NOW + dt.timedelta(minutes=70)))
    with hour_later.unit_of_work(immediate=True) as uow:
        assert uow.files.abandon_stale_uploads(dt.timedelta(hours=1)) == [old]
        uow.commit()
    assert status_of(system, old) is None
    assert status_of(system, moving) == FileStatus.UPLOADING.value
    assert status_of(system, stored) == FileStatus.RECEIVED.value
    assert part_count(system) == 3  # moving's two, stored's one


def test_a_replay_copies_the_parts_of_the_original(system: System) -> None:
    broker(system)
    original = begin(system, "big.edi", *PARTS[:2])
    assert finish(system, original, 2, PARTS[2], b"".join(PARTS))
    with system.unit_of_work() as uow:
        replay = Operations(uow.connection, system.clock).queue_replay(original, forget_interchange=True)
        uow.commit()
    with system.unit_of_work() as uow:
        operations = Operations(uow.connection, system.clock)
        assert operations.raw(replay) == operations.raw(original) == b"".join(PARTS)
        assert operations.raw(replay + 1) is None
