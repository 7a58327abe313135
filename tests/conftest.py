"""Shared fixtures: a fresh, migrated store on SQLite and on PostgreSQL for every test that asks for one.

Store tests are parametrised over both backends (ids `sqlite` and `postgresql`). PostgreSQL is found at
CARM_TEST_POSTGRES_URL (default: 127.0.0.1:5432, database test); each test gets its own schema, dropped
afterwards, so runs never see each other's state. When PostgreSQL cannot be reached the PostgreSQL cases are
skipped locally, and fail when CARM_REQUIRE_POSTGRES or CI is set (CI must prove both stores).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from domain.clock import FixedClock
from gateway.bootstrap import System, bootstrap
from gateway.settings import Settings, load_settings
from ledger.database import create_engine_for, upgrade
from tests.builders import assessment, payment

POSTGRES_URL = os.environ.get("CARM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = bool(os.environ.get("CARM_REQUIRE_POSTGRES") or os.environ.get("CI"))
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TORONTO = ZoneInfo("America/Toronto")
FIXED_NOW = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Store:
    """A migrated, empty database for one test."""

    backend: str
    url: str
    engine: Engine


def _postgres_admin() -> Engine | None:
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            return engine
    except OperationalError:
        engine.dispose()
        return None


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine | None]:
    engine = _postgres_admin()
    yield engine
    if engine is not None:
        engine.dispose()


def _postgres_store(admin: Engine | None) -> Iterator[Store]:
    if admin is None:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " and CI requires it")
        pytest.skip(message)
    schema = f"carm_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        yield Store("postgresql", url, engine)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _sqlite_store(directory: Path) -> Iterator[Store]:
    url = f"sqlite:///{directory / 'carm.db'}"
    engine = create_engine_for(url)
    upgrade(engine)
    yield Store("sqlite", url, engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: Engine | None) -> Iterator[Store]:
    """A fresh migrated store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_store(tmp_path)
    else:
        yield from _postgres_store(postgres_admin)


@pytest.fixture
def settings(tmp_path: Path, store: Store) -> Settings:
    return load_settings(
        environ={},
        overrides={"database_url": store.url, "gateway_var_dir": str(tmp_path / "var"), "sftp_port": "0"},
    )


@pytest.fixture
def system(settings: Settings, store: Store) -> System:
    """The wired system on the test's store, with the clock stopped at FIXED_NOW."""
    return bootstrap(settings, engine=store.engine, clock=FixedClock(FIXED_NOW))


@pytest.fixture
def system_with_entries(system: System, store: Store) -> Store:
    """A store with an importer, one assessment (duty 1.00 + GST 0.05) and a payment of 0.50."""
    with system.unit_of_work() as uow:
        uow.parties.add_importer(bn15="123456782RM0001", name="Importer", province="ON")
        uow.journal.post(assessment("T1:1", 100, 5))
        uow.journal.post(payment("P1", 50))
        uow.commit()
    return store
