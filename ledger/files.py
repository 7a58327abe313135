"""Inbound and outbound files: the raw bytes brokers upload and the responses they collect (ledger layer).

Every byte received is stored here, with its SHA-256, before anything acknowledges it; every response is
stored here before a broker can list it. The SFTP server's `inbox/` writes `inbound_file` rows and its
`outbox/` lists `outbound_file` rows, so gateway nodes keep no state of their own (DESIGN.md "SFTP").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, select, update

from domain.clock import Clock
from ledger.schema import broker, inbound_file, outbound_file


class FileStatus(StrEnum):
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
        """Store an upload as a RECEIVED inbound file; its id."""
        broker_id = self._broker_id(sender_id)
        values = {
            "broker_id": broker_id,
            "filename": filename,
            "raw": raw,
            "size": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "status": FileStatus.RECEIVED.value,
            "received_at": self._clock.now(),
        }
        insert = inbound_file.insert().values(values).returning(inbound_file.c.id)
        return int(self._connection.execute(insert).scalar_one())

    def rename_inbound_named(self, sender_id: str, old: str, new: str) -> bool:
        """Rename the broker's latest upload called `old` (upload-then-rename); False when there is none."""
        latest = (
            select(inbound_file.c.id)
            .where(inbound_file.c.broker_id == self._broker_id(sender_id), inbound_file.c.filename == old)
            .order_by(inbound_file.c.id.desc())
            .limit(1)
        ).scalar_subquery()
        result = self._connection.execute(
            update(inbound_file).where(inbound_file.c.id == latest).values(filename=new)
        )
        return bool(result.rowcount)

    def pending_uploads(self, sender_id: str) -> list[tuple[str, int, dt.datetime]]:
        """The broker's uploads not yet answered: (name, size, received_at)."""
        query = (
            select(inbound_file.c.filename, inbound_file.c.size, inbound_file.c.received_at)
            .where(
                inbound_file.c.broker_id == self._broker_id(sender_id),
                inbound_file.c.status != FileStatus.DONE.value,
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
