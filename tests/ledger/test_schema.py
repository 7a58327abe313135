"""The migrations build exactly the schema `ledger.schema` describes, on both stores, and keep the bytes
of the files stored before them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from gateway.bootstrap import System
from ledger.database import alembic_config, current_revision, upgrade
from ledger.files import raw_of
from ledger.schema import inbound_file, metadata
from tests.conftest import FIXED_NOW, Store


def test_the_migrated_database_matches_the_schema_module(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_the_database_is_at_the_latest_revision(store: Store) -> None:
    assert current_revision(store.engine) == "0004"


def downgrade(store: Store, revision: str) -> None:
    """Take the store back to `revision` (on one connection, as `ledger.database.upgrade` goes forward)."""
    with store.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_files_stored_before_parts_keep_their_bytes_through_the_migration(
    system: System, store: Store
) -> None:
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id="BROKERA", bn15="100000009RM0001", name="A")
        kept = uow.files.receive(sender_id="BROKERA", filename="a.edi", raw=b"UNA:+.? '\x00\xff")
        uow.files.begin_upload(sender_id="BROKERA", filename="half.edi")  # never acknowledged
        uow.commit()
    downgrade(store, "0002")  # the parts go back into inbound_file.raw, the upload in progress goes
    with store.engine.begin() as connection:
        rows = connection.execute(text("SELECT id, raw FROM inbound_file ORDER BY id")).all()
        assert [(row.id, bytes(row.raw)) for row in rows] == [(kept, b"UNA:+.? '\x00\xff")]
        connection.execute(
            text(
                "INSERT INTO inbound_file (broker_id, filename, raw, size, sha256, status, received_at) "
                "SELECT id, 'b.edi', :raw, 3, 'x', 'RECEIVED', :now FROM broker"
            ),
            {"raw": b"b\x00b", "now": FIXED_NOW},
        )
    upgrade(store.engine)
    with store.engine.connect() as connection:
        ids = connection.execute(select(inbound_file.c.id).order_by(inbound_file.c.id)).scalars().all()
        assert [raw_of(connection, file_id) for file_id in ids] == [b"UNA:+.? '\x00\xff", b"b\x00b"]
        indexes = {index["name"] for index in inspect(connection).get_indexes("inbound_file")}
    assert {"ix_inbound_file_queue", "ix_inbound_file_processed_at", "ix_inbound_file_waiting"} <= indexes
    test_the_migrated_database_matches_the_schema_module(store)
