"""The benchmarks' brokers, importers and delegations, registered in bulk (bench tooling).

The rows ledger/parties.py's `add_broker`, `add_importer` and `delegate` write, one INSERT per table: a
national day's 125,000 importers registered one at a time would take minutes of a benchmark's setup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Connection, select

from ledger.schema import broker, delegation, importer


class Delegation(NamedTuple):
    importer_bn15: str
    sender_id: str
    receives_statements: bool  # the broker receives the importer's notices and statements


def insert_parties(
    connection: Connection,
    *,
    brokers: Iterable[tuple[str, str]],
    importers: Iterable[str],
    delegations: Iterable[Delegation],
    at: dt.datetime,
) -> None:
    """Register brokers (sender id, BN15), importers (BN15) and the delegations between them, all `at`."""
    connection.execute(
        broker.insert(),
        [
            {"sender_id": sender_id, "bn15": bn15, "name": f"Brokerage {sender_id}", "created_at": at}
            for sender_id, bn15 in brokers
        ],
    )
    connection.execute(
        importer.insert(),
        [
            {"bn15": bn15, "name": f"Importer {bn15[:9]}", "province": "ON", "created_at": at}
            for bn15 in importers
        ],
    )
    broker_ids = {
        row.sender_id: row.id for row in connection.execute(select(broker.c.sender_id, broker.c.id))
    }
    importer_ids = {row.bn15: row.id for row in connection.execute(select(importer.c.bn15, importer.c.id))}
    connection.execute(
        delegation.insert(),
        [
            {
                "importer_id": importer_ids[each.importer_bn15],
                "broker_id": broker_ids[each.sender_id],
                "may_file": True,
                "receives_statements": each.receives_statements,
                "granted_at": at,
            }
            for each in delegations
        ],
    )
