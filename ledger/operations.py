"""The operator's view of the file queue, the outbox and the batch record (ledger layer).

What `carm-gateway status` and `queue list|show|retry|replay` and `outbox resend` read and change: queue
depths, the oldest waiting file, outcomes per hour, the last run of each batch, one file's history and its
responses. The three operator actions are here too, each one small UPDATE or INSERT in the caller's unit of
work: release a held file now, queue a copy of a file for a replay, show an outbound file in its outbox again.
Instants come back timezone-aware in UTC on both stores (SQLite keeps the UTC wall time without its zone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from domain.clock import Clock
from ledger.files import FileStatus, raw_of
from ledger.queue import WAITING
from ledger.schema import (
    aware,
    batch_run,
    broker,
    inbound_file,
    inbound_part,
    interchange_seen,
    outbound_file,
)

HOUR_FORMAT = "%Y-%m-%d %H"  # the hour buckets of `outcomes_by_hour`, in UTC


@dataclass(frozen=True, slots=True, kw_only=True)
class FileSummary:
    """One inbound file as `queue list` shows it (everything but its bytes)."""

    id: int
    sender_id: str
    filename: str
    size: int
    status: str
    outcome: str | None
    attempts: int
    received_at: dt.datetime
    processed_at: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FileDetail:
    """One inbound file's history as `queue show` tells it."""

    summary: FileSummary
    sha256: str
    control_reference: str | None
    interchange_sender: str | None
    claimed_at: dt.datetime | None
    claimed_by: str | None
    next_attempt_at: dt.datetime | None
    last_error: str | None
    cads_accepted: int | None
    cads_rejected: int | None
    replay_of: int | None
    replays: tuple[int, ...]  # the files that are replays of this one


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundRecord:
    id: int
    sender_id: str
    name: str
    kind: str
    content: bytes
    inbound_file_id: int | None
    created_at: dt.datetime
    deleted_at: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HourOutcomes:
    """The files answered in one hour (UTC) with one outcome, and the CADs they accepted and rejected."""

    hour: dt.datetime
    outcome: str
    files: int
    cads_accepted: int
    cads_rejected: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LastRun:
    """The latest attempt recorded for a batch job."""

    job: str
    status: str
    business_date: dt.date
    attempt: int
    started_at: dt.datetime
    finished_at: dt.datetime | None


class Operations:
    """Queries and actions for the operator, inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def queue_depths(self) -> dict[str, int]:
        """How many inbound files are in each state (every FileStatus, zero when none)."""
        query = select(inbound_file.c.status, func.count()).group_by(inbound_file.c.status)
        depths = {status.value: 0 for status in FileStatus}
        depths.update({row[0]: int(row[1]) for row in self._connection.execute(query)})
        return depths

    def oldest_waiting(self) -> FileSummary | None:
        """The file that has waited longest for a worker (RECEIVED or HELD), whatever its retry time."""
        query = (
            self._summaries().where(inbound_file.c.status.in_(WAITING)).order_by(inbound_file.c.id).limit(1)
        )
        row = self._connection.execute(query).first()
        return None if row is None else _summary(row._mapping)

    def outcomes_by_hour(self, since: dt.datetime) -> list[HourOutcomes]:
        """Files answered from `since` on, counted per UTC hour and outcome, with their CADs."""
        hour = self._hour(inbound_file.c.processed_at).label("hour")
        query = (
            select(
                hour,
                inbound_file.c.outcome,
                func.count(),
                func.coalesce(func.sum(inbound_file.c.cads_accepted), 0),
                func.coalesce(func.sum(inbound_file.c.cads_rejected), 0),
            )
            .where(inbound_file.c.processed_at >= since.astimezone(dt.UTC))
            .group_by(hour, inbound_file.c.outcome)
        )
        return [
            HourOutcomes(
                hour=dt.datetime.strptime(row[0], HOUR_FORMAT).replace(tzinfo=dt.UTC),
                outcome=row[1] or "",
                files=int(row[2]),
                cads_accepted=int(row[3]),
                cads_rejected=int(row[4]),
            )
            for row in self._connection.execute(query)
        ]

    def last_runs(self) -> dict[str, LastRun]:
        """The latest attempt recorded for each job, by job name."""
        latest = select(func.max(batch_run.c.id)).group_by(batch_run.c.job)
        query = select(batch_run).where(batch_run.c.id.in_(latest))
        return {
            row.job: LastRun(
                job=row.job,
                status=row.status,
                business_date=row.business_date,
                attempt=row.attempt,
                started_at=aware(row.started_at),
                finished_at=aware(row.finished_at) if row.finished_at is not None else None,
            )
            for row in self._connection.execute(query)
        }

    def files(
        self, *, status: str | None = None, sender_id: str | None = None, limit: int = 50
    ) -> list[FileSummary]:
        """The latest inbound files first, optionally in one state or from one broker."""
        query = self._summaries().order_by(inbound_file.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(inbound_file.c.status == status)
        if sender_id is not None:
            query = query.where(broker.c.sender_id == sender_id)
        return [_summary(row._mapping) for row in self._connection.execute(query)]

    def file(self, file_id: int) -> FileDetail | None:
        """One inbound file's history; None when there is no such file."""
        query = (
            select(inbound_file, broker.c.sender_id)
            .join(broker, broker.c.id == inbound_file.c.broker_id)
            .where(inbound_file.c.id == file_id)
        )
        row = self._connection.execute(query).first()
        if row is None:
            return None
        replays = select(inbound_file.c.id).where(inbound_file.c.replay_of == file_id).order_by("id")
        return FileDetail(
            summary=_summary(row._mapping),
            sha256=row.sha256,
            control_reference=row.control_reference,
            interchange_sender=row.interchange_sender,
            claimed_at=_maybe_aware(row.claimed_at),
            claimed_by=row.claimed_by,
            next_attempt_at=_maybe_aware(row.next_attempt_at),
            last_error=row.last_error,
            cads_accepted=row.cads_accepted,
            cads_rejected=row.cads_rejected,
            replay_of=row.replay_of,
            replays=tuple(self._connection.execute(replays).scalars()),
        )

    def raw(self, file_id: int) -> bytes | None:
        """The bytes of inbound file `file_id` as received (so far, while UPLOADING); None when there is no
        such file."""
        return raw_of(self._connection, file_id)

    def responses(self, file_id: int) -> list[OutboundRecord]:
        """The outbound files answering inbound file `file_id`, in the order they were queued."""
        query = (
            self._outbound().where(outbound_file.c.inbound_file_id == file_id).order_by(outbound_file.c.id)
        )
        return [_outbound(row._mapping) for row in self._connection.execute(query)]

    def outbound(self, outbound_id: int) -> OutboundRecord | None:
        row = self._connection.execute(self._outbound().where(outbound_file.c.id == outbound_id)).first()
        return None if row is None else _outbound(row._mapping)

    def release_held(self, file_id: int) -> bool:
        """Let a HELD file be claimed now rather than at its retry time; False when it is not held."""
        result = self._connection.execute(
            update(inbound_file)
            .where(inbound_file.c.id == file_id, inbound_file.c.status == FileStatus.HELD.value)
            .values(next_attempt_at=None)
        )
        return bool(result.rowcount)

    def queue_replay(self, file_id: int, *, forget_interchange: bool) -> int:
        """Queue a new RECEIVED file with the parts of answered file `file_id`, marked as its replay; the
        new file's id. With `forget_interchange` (the file was not itself a duplicate), the interchange is no
        longer remembered as seen by the file or an earlier replay of it, so the replay is not answered as a
        duplicate of them; a duplicate of another file stays one. The journal's idempotency keys and the CAD
        versions already recorded make sure nothing is posted twice."""
        copy = select(
            inbound_file.c.broker_id,
            inbound_file.c.filename,
            inbound_file.c.size,
            inbound_file.c.sha256,
        ).where(inbound_file.c.id == file_id)
        values = dict(self._connection.execute(copy).one()._mapping) | {
            "status": FileStatus.RECEIVED.value,
            "received_at": self._clock.now(),
            "replay_of": file_id,
        }
        new_id = self._connection.execute(insert(inbound_file).values(values).returning(inbound_file.c.id))
        replay_id = int(new_id.scalar_one())
        parts = select(bindparam("replay_id", replay_id), inbound_part.c.seq, inbound_part.c.data).where(
            inbound_part.c.file_id == file_id
        )
        self._connection.execute(insert(inbound_part).from_select(["file_id", "seq", "data"], parts))
        if forget_interchange:
            lineage = self._lineage(file_id) - {replay_id}
            self._connection.execute(
                delete(interchange_seen).where(interchange_seen.c.inbound_file_id.in_(lineage))
            )
        return replay_id

    def _lineage(self, file_id: int) -> set[int]:
        """The file, the file it replays (and so on up), and every replay of any of them."""
        root = file_id
        while (parent := self._parent(root)) is not None:
            root = parent
        lineage, frontier = {root}, {root}
        while frontier:
            children = select(inbound_file.c.id).where(inbound_file.c.replay_of.in_(frontier))
            frontier = set(self._connection.execute(children).scalars()) - lineage
            lineage |= frontier
        return lineage

    def _parent(self, file_id: int) -> int | None:
        query = select(inbound_file.c.replay_of).where(inbound_file.c.id == file_id)
        parent = self._connection.execute(query).scalar()
        return None if parent is None else int(parent)

    def resend(self, outbound_id: int) -> bool:
        """Show an outbound file the broker deleted in its outbox again; False when it is still there."""
        result = self._connection.execute(
            update(outbound_file)
            .where(outbound_file.c.id == outbound_id, outbound_file.c.deleted_at.is_not(None))
            .values(deleted_at=None)
        )
        return bool(result.rowcount)

    def _summaries(self) -> Select[Any]:
        return select(
            inbound_file.c.id,
            broker.c.sender_id,
            inbound_file.c.filename,
            inbound_file.c.size,
            inbound_file.c.status,
            inbound_file.c.outcome,
            inbound_file.c.attempts,
            inbound_file.c.received_at,
            inbound_file.c.processed_at,
        ).join(broker, broker.c.id == inbound_file.c.broker_id)

    def _outbound(self) -> Select[Any]:
        return select(outbound_file, broker.c.sender_id).join(
            broker, broker.c.id == outbound_file.c.broker_id
        )

    def _hour(self, column: ColumnElement[dt.datetime]) -> ColumnElement[str]:
        """The UTC hour of an instant as text 'YYYY-MM-DD HH', the same on both stores."""
        if self._connection.dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
        return func.strftime(HOUR_FORMAT, column)


def _maybe_aware(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else aware(moment)


def _summary(mapping: RowMapping) -> FileSummary:
    return FileSummary(
        id=int(mapping["id"]),
        sender_id=mapping["sender_id"],
        filename=mapping["filename"],
        size=int(mapping["size"]),
        status=mapping["status"],
        outcome=mapping["outcome"],
        attempts=int(mapping["attempts"]),
        received_at=aware(mapping["received_at"]),
        processed_at=_maybe_aware(mapping["processed_at"]),
    )


def _outbound(mapping: RowMapping) -> OutboundRecord:
    return OutboundRecord(
        id=int(mapping["id"]),
        sender_id=mapping["sender_id"],
        name=mapping["name"],
        kind=mapping["kind"],
        content=bytes(mapping["content"]),
        inbound_file_id=mapping["inbound_file_id"],
        created_at=aware(mapping["created_at"]),
        deleted_at=_maybe_aware(mapping["deleted_at"]),
    )
