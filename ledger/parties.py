"""Brokers, their SSH keys, importer accounts and delegations (ledger layer).

Operators register these with the CLI (`broker add`, `broker key-add`, `importer add`, `delegate`); the SFTP
server and the pipeline read them. Identifiers are validated by the domain before they are stored.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from domain.clock import Clock
from ledger.errors import AlreadyExists, NotFound
from ledger.schema import broker, broker_key, delegation, importer


@dataclass(frozen=True, slots=True, kw_only=True)
class Broker:
    id: int
    sender_id: str
    bn15: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Importer:
    id: int
    bn15: str
    name: str
    province: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Delegation:
    importer_bn15: str
    sender_id: str
    may_file: bool
    receives_statements: bool


class Parties:
    """Repository of brokers, keys, importers and delegations, inside one unit of work."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def add_broker(self, *, sender_id: str, bn15: str, name: str) -> Broker:
        if self.find_broker(sender_id) is not None:
            raise AlreadyExists(f"Broker {sender_id} is already registered.")
        values = {"sender_id": sender_id, "bn15": bn15, "name": name, "created_at": self._clock.now()}
        new_id = self._connection.execute(broker.insert().values(values).returning(broker.c.id)).scalar_one()
        return Broker(id=int(new_id), sender_id=sender_id, bn15=bn15, name=name)

    def find_broker(self, sender_id: str) -> Broker | None:
        row = self._connection.execute(select(broker).where(broker.c.sender_id == sender_id)).first()
        if row is None:
            return None
        return Broker(id=row.id, sender_id=row.sender_id, bn15=row.bn15, name=row.name)

    def broker(self, sender_id: str) -> Broker:
        found = self.find_broker(sender_id)
        if found is None:
            raise NotFound(f"No broker with sender id {sender_id} is registered.")
        return found

    def add_key(
        self, sender_id: str, *, key_type: str, key_data: str, fingerprint: str, comment: str
    ) -> None:
        owner = self.broker(sender_id)
        values = {
            "broker_id": owner.id,
            "key_type": key_type,
            "key_data": key_data,
            "fingerprint": fingerprint,
            "comment": comment,
            "added_at": self._clock.now(),
        }
        try:
            with self._connection.begin_nested():
                self._connection.execute(broker_key.insert().values(values))
        except IntegrityError:
            raise AlreadyExists(f"The key {fingerprint} is already registered.") from None

    def keys_of(self, sender_id: str) -> list[tuple[str, str]]:
        """The (key type, base64 blob) pairs a broker may log in with."""
        query = (
            select(broker_key.c.key_type, broker_key.c.key_data)
            .join(broker, broker.c.id == broker_key.c.broker_id)
            .where(broker.c.sender_id == sender_id)
        )
        return [(row.key_type, row.key_data) for row in self._connection.execute(query)]

    def add_importer(self, *, bn15: str, name: str, province: str | None) -> Importer:
        if self.find_importer(bn15) is not None:
            raise AlreadyExists(f"Importer {bn15} is already registered.")
        values = {"bn15": bn15, "name": name, "province": province, "created_at": self._clock.now()}
        new_id = self._connection.execute(
            importer.insert().values(values).returning(importer.c.id)
        ).scalar_one()
        return Importer(id=int(new_id), bn15=bn15, name=name, province=province)

    def find_importer(self, bn15: str) -> Importer | None:
        row = self._connection.execute(select(importer).where(importer.c.bn15 == bn15)).first()
        if row is None:
            return None
        return Importer(id=row.id, bn15=row.bn15, name=row.name, province=row.province)

    def importer(self, bn15: str) -> Importer:
        found = self.find_importer(bn15)
        if found is None:
            raise NotFound(f"No importer with business number {bn15} is registered.")
        return found

    def delegate(self, importer_bn15: str, sender_id: str, *, receives_statements: bool) -> Delegation:
        """Let a broker file for an importer; with `receives_statements` it also becomes the one broker that
        receives the importer's daily notices and statements (any previous recipient stops receiving them)."""
        account = self.importer(importer_bn15)
        agent = self.broker(sender_id)
        if receives_statements:
            self._connection.execute(
                delegation.update()
                .where(delegation.c.importer_id == account.id)
                .values(receives_statements=False)
            )
        existing = self._connection.execute(
            select(delegation.c.id).where(
                delegation.c.importer_id == account.id, delegation.c.broker_id == agent.id
            )
        ).first()
        values = {"may_file": True, "receives_statements": receives_statements}
        if existing is None:
            insert = delegation.insert().values(
                importer_id=account.id, broker_id=agent.id, granted_at=self._clock.now(), **values
            )
            self._connection.execute(insert)
        else:
            self._connection.execute(delegation.update().where(delegation.c.id == existing.id).values(values))
        return Delegation(importer_bn15=importer_bn15, sender_id=sender_id, **values)

    def delegations_of(self, importer_bn15: str) -> list[Delegation]:
        query = (
            select(broker.c.sender_id, delegation.c.may_file, delegation.c.receives_statements)
            .join(broker, broker.c.id == delegation.c.broker_id)
            .join(importer, importer.c.id == delegation.c.importer_id)
            .where(importer.c.bn15 == importer_bn15)
            .order_by(broker.c.sender_id)
        )
        return [
            Delegation(
                importer_bn15=importer_bn15,
                sender_id=row.sender_id,
                may_file=row.may_file,
                receives_statements=row.receives_statements,
            )
            for row in self._connection.execute(query)
        ]

    def filers_of(self, importer_bn15s: Collection[str]) -> dict[str, frozenset[str]]:
        """For each registered importer among `importer_bn15s`, the sender ids that may file for it."""
        if not importer_bn15s:
            return {}
        query = (
            select(importer.c.bn15, broker.c.sender_id, delegation.c.may_file)
            .select_from(importer)
            .join(delegation, delegation.c.importer_id == importer.c.id, isouter=True)
            .join(broker, broker.c.id == delegation.c.broker_id, isouter=True)
            .where(importer.c.bn15.in_(sorted(importer_bn15s)))
        )
        filers: dict[str, set[str]] = {}
        for row in self._connection.execute(query):
            senders = filers.setdefault(row.bn15, set())
            if row.sender_id is not None and row.may_file:
                senders.add(row.sender_id)
        return {bn15: frozenset(senders) for bn15, senders in filers.items()}
