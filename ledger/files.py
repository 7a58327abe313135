"""Inbound and outbound files: the raw bytes brokers upload and the responses they collect (ledger layer).

Every byte received is stored here, with its SHA-256, before anything acknowledges it; every response is
stored here before a broker can list it. The SFTP server's `inbox/` writes `inbound_file` rows and its
`outbox/` lists `outbound_file` rows, so gateway nodes keep no state of their own (DESIGN.md "SFTP").

An inbound file's bytes are its `inbound_part` rows in order (`raw_of`). A small upload is stored whole at
the client's CLOSE (`receive`: the file and its one part). A large one is stored while it arrives: the file
is UPLOADING from `begin_upload`, gains a part per `append_part`, and becomes RECEIVED with its last part in
the transaction of `finish_upload`, the one that acknowledges it; until then no worker, listing or count
sees it. An upload that ends any other way is deleted (`abandon_upload`), and one whose daemon died is
deleted once it has been quiet too long to be alive (`abandon_stale_uploads`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select, update

from domain.clock import Clock
from ledger.schema import broker, inbound_file, inbound_part, outbound_file


class FileStatus(StrEnum):
    UPLOADING = "UPLOADING"  # its bytes are still arriving: never claimed, listed or counted as waiting
    RECEIVED = "RECEIVED"  # stored, waiting for a worker
    PROCESSING = "PROCESSING"  # claimed by a worker
    HELD = "HELD"  # an infrastructure error; retried after next_attempt_at
    DONE = "DONE"  # answered


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry:
    name: str
    size: int
    created_at: dt.datetime


class Files:
    """Repository of inbound and outbound files inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def receive(self, *, sender_id: str, filename: str, raw: bytes) -> int:
        """Store a whole upload as a RECEIVED inbound file with one part; its id."""
        file_id = self._insert_file(
            sender_id, filename, FileStatus.RECEIVED, size=len(raw), sha256=hashlib.sha256(raw).hexdigest()
        )
        self._store_part(file_id, 0, raw)
        return file_id

    def begin_upload(self, *, sender_id: str, filename: str) -> int:
        """Start storing an upload part by part: an UPLOADING file with no bytes yet; its id."""
        return self._insert_file(sender_id, filename, FileStatus.UPLOADING, size=0, sha256="")

    def append_part(self, file_id: int, seq: int, data: bytes) -> bool:
        """Store part `seq` of an upload in progress; False when it is no longer one (abandoned)."""
        # The row first: it records when the upload last moved (`abandon_stale_uploads`) and, on
        # PostgreSQL, locks the upload against a concurrent abandonment until this part is in.
        if not self._touch_upload(file_id, {}):
            return False
        self._store_part(file_id, seq, data)
        return True

    def finish_upload(self, file_id: int, *, seq: int, tail: bytes, size: int, sha256: str) -> bool:
        """Store an upload's last part `seq` (none when `tail` is empty) and make the file RECEIVED, with
        the size and SHA-256 of all its bytes; False when it is no longer an upload in progress."""
        stored = {"status": FileStatus.RECEIVED.value, "size": size, "sha256": sha256}
        if not self._touch_upload(file_id, stored):
            return False
        if tail:
            self._store_part(file_id, seq, tail)
        return True

    def abandon_upload(self, file_id: int) -> bool:
        """Delete an upload in progress and its parts (its bytes were never acknowledged); False when it is
        not one (already abandoned, or stored)."""
        return bool(self._delete_uploads(inbound_file.c.id == file_id))

    def abandon_stale_uploads(self, quiet_for: dt.timedelta) -> list[int]:
        """Delete the uploads in progress that stored no part for `quiet_for`, and their parts: their
        daemon died before their CLOSE. The ids deleted."""
        return self._delete_uploads(inbound_file.c.received_at < self._clock.now() - quiet_for)

    def _insert_file(
        self, sender_id: str, filename: str, status: FileStatus, *, size: int, sha256: str
    ) -> int:
        values = {
            "broker_id": self._broker_id(sender_id),
            "filename": filename,
            "size": size,
            "sha256": sha256,
            "status": status.value,
            "received_at": self._clock.now(),
        }
        query = insert(inbound_file).values(values).returning(inbound_file.c.id)
        return int(self._connection.execute(query).scalar_one())

    def _store_part(self, file_id: int, seq: int, data: bytes) -> None:
        self._connection.execute(insert(inbound_part).values(file_id=file_id, seq=seq, data=data))

    def _touch_upload(self, file_id: int, values: dict[str, object]) -> bool:
        """Update an UPLOADING file's row (and its received_at to now); False when there is none."""
        result = self._connection.execute(
            update(inbound_file)
            .where(inbound_file.c.id == file_id, inbound_file.c.status == FileStatus.UPLOADING.value)
            .values(received_at=self._clock.now(), **values)
        )
        return bool(result.rowcount)

    def _delete_uploads(self, condition: ColumnElement[bool]) -> list[int]:
        uploading = inbound_file.c.status == FileStatus.UPLOADING.value
        # FOR UPDATE: on PostgreSQL an `append_part` in flight is waited for and its file, moved again, passed
        # over (the condition is checked again on the new row); SQLite's write lock serialises them anyway.
        query = select(inbound_file.c.id).where(uploading, condition).with_for_update()
        ids = list(self._connection.execute(query).scalars())
        if ids:
            self._connection.execute(delete(inbound_part).where(inbound_part.c.file_id.in_(ids)))
            self._connection.execute(delete(inbound_file).where(inbound_file.c.id.in_(ids), uploading))
        return [int(file_id) for file_id in ids]

    def rename_inbound_named(self, sender_id: str, old: str, new: str) -> bool:
        """Rename the broker's latest upload called `old` (upload-then-rename); False when there is none."""
        latest = (
            select(inbound_file.c.id)
            .where(
                inbound_file.c.broker_id == self._broker_id(sender_id),
                inbound_file.c.filename == old,
                inbound_file.c.status != FileStatus.UPLOADING.value,
            )
            .order_by(inbound_file.c.id.desc())
            .limit(1)
        ).scalar_subquery()
        result = self._connection.execute(
            update(inbound_file).where(inbound_file.c.id == latest).values(filename=new)
        )
        return bool(result.rowcount)

    def pending_uploads(self, sender_id: str) -> list[tuple[str, int, dt.datetime]]:
        """The broker's uploads stored and not yet answered: (name, size, received_at)."""
        query = (
            select(inbound_file.c.filename, inbound_file.c.size, inbound_file.c.received_at)
            .where(
                inbound_file.c.broker_id == self._broker_id(sender_id),
                inbound_file.c.status.not_in([FileStatus.DONE.value, FileStatus.UPLOADING.value]),
            )
            .order_by(inbound_file.c.id)
        )
        return [(row.filename, int(row.size), row.received_at) for row in self._connection.execute(query)]

    def send(
        self, *, broker_id: int, name: str, kind: str, content: bytes, inbound_file_id: int | None
    ) -> None:
        """Queue a response or notice in a broker's outbox (in the caller's transaction)."""
        values = {
            "broker_id": broker_id,
            "name": name,
            "kind": kind,
            "content": content,
            "sha256": hashlib.sha256(content).hexdigest(),
            "inbound_file_id": inbound_file_id,
            "created_at": self._clock.now(),
        }
        self._connection.execute(outbound_file.insert().values(values))

    def outbox(self, sender_id: str) -> list[OutboxEntry]:
        query = (
            select(outbound_file.c.name, outbound_file.c.content, outbound_file.c.created_at)
            .where(self._visible(sender_id))
            .order_by(outbound_file.c.id)
        )
        return [
            OutboxEntry(name=row.name, size=len(row.content), created_at=row.created_at)
            for row in self._connection.execute(query)
        ]

    def outbound_content(self, sender_id: str, name: str) -> bytes | None:
        query = select(outbound_file.c.content).where(self._visible(sender_id), outbound_file.c.name == name)
        content = self._connection.execute(query).scalar_one_or_none()
        return None if content is None else bytes(content)

    def delete_outbound(self, sender_id: str, name: str) -> bool:
        """The broker removes a file it has read; the row is kept (archive), only hidden."""
        result = self._connection.execute(
            update(outbound_file)
            .where(self._visible(sender_id), outbound_file.c.name == name)
            .values(deleted_at=self._clock.now())
        )
        return bool(result.rowcount)

    def _visible(self, sender_id: str) -> ColumnElement[bool]:
        return and_(
            outbound_file.c.broker_id == self._broker_id(sender_id), outbound_file.c.deleted_at.is_(None)
        )

    def _broker_id(self, sender_id: str) -> int:
        return int(
            self._connection.execute(select(broker.c.id).where(broker.c.sender_id == sender_id)).scalar_one()
        )


def raw_of(connection: Connection, file_id: int) -> bytes | None:
    """The bytes of inbound file `file_id`: its parts joined in order; None when it has none (no such file;
    every stored file has at least part 0)."""
    query = select(inbound_part.c.data).where(inbound_part.c.file_id == file_id).order_by(inbound_part.c.seq)
    parts = [bytes(data) for data in connection.execute(query).scalars()]
    return b"".join(parts) if parts else None
