"""Accepted CAD versions: what the gateway has accepted under each transaction number (ledger layer).

One row per accepted version, with the digest of its content (an exact repeat is a no-op), the totals of
its assessment per kind (the next version posts the difference) and the lines a replace must restate. The
pipeline reads the histories of all transaction numbers of a file in one query.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from domain.clock import Clock
from ledger.bulk_insert import append_rows
from ledger.schema import broker, cad_version


@dataclass(frozen=True, slots=True, kw_only=True)
class CadVersionRecord:
    transaction_number: str
    version: int
    function: str
    importer_bn15: str
    broker_sender: str
    status: str
    release_date: dt.date
    due_date: dt.date
    content_sha256: str
    duty_cents: int
    gst_cents: int
    excise_cents: int
    sima_cents: int
    lines: tuple[tuple[int, str, str], ...]  # (line number, invoice number, invoice line)
    message_reference: str


class CadVersions:
    """Repository of accepted CAD versions inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def record_all(self, records: list[CadVersionRecord], *, broker_id: int, inbound_file_id: int) -> None:
        """Record accepted versions (one statement for all of them)."""
        if not records:
            return
        received_at = self._clock.now()
        rows = [
            {
                "transaction_number": record.transaction_number,
                "version": record.version,
                "function": record.function,
                "importer_bn15": record.importer_bn15,
                "broker_id": broker_id,
                "inbound_file_id": inbound_file_id,
                "message_reference": record.message_reference,
                "status": record.status,
                "release_date": record.release_date,
                "due_date": record.due_date,
                "content_sha256": record.content_sha256,
                "duty_cents": record.duty_cents,
                "gst_cents": record.gst_cents,
                "excise_cents": record.excise_cents,
                "sima_cents": record.sima_cents,
                "lines": json.dumps([list(line) for line in record.lines], separators=(",", ":")),
                "received_at": received_at,
            }
            for record in records
        ]
        append_rows(self._connection, cad_version, rows)

    def set_status(self, transaction_number: str, version: int, status: str) -> None:
        """An officer's decision on an adjustment under review (the version row is not the journal)."""
        self._connection.execute(
            update(cad_version)
            .where(cad_version.c.transaction_number == transaction_number, cad_version.c.version == version)
            .values(status=status)
        )

    def histories(self, transaction_numbers: Collection[str]) -> dict[str, list[CadVersionRecord]]:
        """Every accepted version of each transaction number, oldest first (one query)."""
        if not transaction_numbers:
            return {}
        query = (
            select(cad_version, broker.c.sender_id)
            .join(broker, broker.c.id == cad_version.c.broker_id)
            .where(cad_version.c.transaction_number.in_(sorted(transaction_numbers)))
            .order_by(cad_version.c.transaction_number, cad_version.c.version)
        )
        found: dict[str, list[CadVersionRecord]] = {}
        for row in self._connection.execute(query):
            found.setdefault(row.transaction_number, []).append(_record(row))
        return found


def _record(row: object) -> CadVersionRecord:
    values = row._mapping  # type: ignore[attr-defined]
    return CadVersionRecord(
        transaction_number=values["transaction_number"],
        version=values["version"],
        function=values["function"],
        importer_bn15=values["importer_bn15"],
        broker_sender=values["sender_id"],
        status=values["status"],
        release_date=values["release_date"],
        due_date=values["due_date"],
        content_sha256=values["content_sha256"],
        duty_cents=int(values["duty_cents"]),
        gst_cents=int(values["gst_cents"]),
        excise_cents=int(values["excise_cents"]),
        sima_cents=int(values["sima_cents"]),
        lines=tuple(
            (int(number), str(invoice), str(line)) for number, invoice, line in json.loads(values["lines"])
        ),
        message_reference=values["message_reference"],
    )
