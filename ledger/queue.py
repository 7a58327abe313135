"""The inbound queue: claiming a file for processing, and recording how it ended (ledger layer).

A worker claims a file inside the very transaction that will post its CADs and queue its responses: on
PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED` (other workers pass over the locked row), on SQLite inside
`BEGIN IMMEDIATE` (one writer at a time). If the worker dies, the transaction dies with it and the file is
simply waiting again — never half posted, never posted twice (DESIGN.md "Processing and scale-out").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from domain.clock import Clock
from ledger.files import FileStatus, raw_of
from ledger.schema import WAITING_STATUSES, broker, inbound_file, interchange_seen

WAITING = WAITING_STATUSES
# Rendered as literals, not bound parameters: only then can the planners of both stores see that the
# query's condition implies the partial index ix_inbound_file_waiting's (ledger.schema).
_WAITING_LITERALS: BindParameter[Any] = bindparam("waiting", WAITING, expanding=True, literal_execute=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedFile:
    id: int
    broker_id: int
    sender_id: str  # the SFTP account that uploaded it
    broker_bn15: str
    filename: str
    raw: bytes
    attempts: int
    received_at: dt.datetime


def claim_query(now: dt.datetime) -> Select[Any]:
    """The first waiting file whose retry time has come, with its broker, locked unless another has it."""
    return (
        select(inbound_file, broker.c.sender_id, broker.c.bn15)
        .join(broker, broker.c.id == inbound_file.c.broker_id)
        .where(
            inbound_file.c.status.in_(_WAITING_LITERALS),
            or_(inbound_file.c.next_attempt_at.is_(None), inbound_file.c.next_attempt_at <= now),
        )
        .order_by(inbound_file.c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=inbound_file)
    )


class Queue:
    """Repository of the inbound queue inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def claim_next(self) -> ClaimedFile | None:
        """Lock the oldest waiting file whose retry time has come, for the rest of this transaction."""
        row = self._connection.execute(claim_query(self._clock.now())).first()
        if row is None:
            return None
        raw = raw_of(self._connection, row.id)
        return ClaimedFile(
            id=row.id,
            broker_id=row.broker_id,
            sender_id=row.sender_id,
            broker_bn15=row.bn15,
            filename=row.filename,
            raw=raw or b"",  # every stored file has a part; `or` is for mypy, not for a missing one
            attempts=row.attempts,
            received_at=row.received_at,
        )

    def finish(
        self,
        file_id: int,
        *,
        outcome: str,
        sender_id: str | None,
        control_reference: str | None,
        cads_accepted: int | None = None,
        cads_rejected: int | None = None,
    ) -> None:
        """Mark a claimed file answered, in the transaction that posted it and queued its responses."""
        self._connection.execute(
            update(inbound_file)
            .where(inbound_file.c.id == file_id)
            .values(
                status=FileStatus.DONE.value,
                outcome=outcome,
                interchange_sender=sender_id,
                control_reference=control_reference,
                cads_accepted=cads_accepted,
                cads_rejected=cads_rejected,
                processed_at=self._clock.now(),
                attempts=inbound_file.c.attempts + 1,
                last_error=None,
            )
        )

    def hold(self, file_id: int, *, error: str, retry_at: dt.datetime) -> None:
        """An infrastructure error: leave the file waiting until `retry_at` (never a rejection)."""
        # Never a file already answered: when a commit's acknowledgement is lost, the worker cannot tell
        # whether its transaction committed, and a DONE file must stay DONE (answered once).
        self._connection.execute(
            update(inbound_file)
            .where(inbound_file.c.id == file_id, inbound_file.c.status != FileStatus.DONE.value)
            .values(
                status=FileStatus.HELD.value,
                attempts=inbound_file.c.attempts + 1,
                next_attempt_at=retry_at,
                last_error=error[:2000],
            )
        )

    def remember_interchange(self, *, sender_id: str, control_reference: str, file_id: int) -> bool:
        """Record an interchange as seen; False if (sender, control reference) was seen before (MIG.md §1)."""
        values = {"sender_id": sender_id, "control_reference": control_reference, "inbound_file_id": file_id}
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(interchange_seen).values(values))
        except IntegrityError:
            return False
        return True
