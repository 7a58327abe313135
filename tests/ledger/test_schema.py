"""The migrations build exactly the schema `ledger.schema` describes, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger.database import current_revision
from ledger.schema import metadata
from tests.conftest import Store


def test_the_migrated_database_matches_the_schema_module(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_the_database_is_at_the_latest_revision(store: Store) -> None:
    assert current_revision(store.engine) == "0002"
