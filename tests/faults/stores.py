"""Looking into the store while a daemon works on it, from outside the daemon (test helper).

On PostgreSQL through the admin connection (pg_stat_activity, pg_locks, pg_terminate_backend — always
filtered by the daemon's own application_name, so nothing else's connections are touched); on SQLite by
probing for the write lock a claiming worker holds for its whole transaction.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

ON_POSTGRESQL = pytest.mark.parametrize("store", ["postgresql"], indirect=True)
TIMEOUT = 60.0


def connections(admin: Engine, application_name: str) -> int:
    with admin.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name},
            ).scalar_one()
        )


def wait_until_disconnected(admin: Engine, application_name: str) -> None:
    """Wait until a killed daemon's backends are gone (and with them its transaction and row locks)."""
    deadline = time.monotonic() + TIMEOUT
    while connections(admin, application_name):
        assert time.monotonic() < deadline, f"{application_name} still connected"
        time.sleep(0.01)


def terminate_backends(admin: Engine, application_name: str) -> int:
    """pg_terminate_backend every connection of one daemon; how many were terminated."""
    with admin.connect() as connection:
        return len(
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name "
                    "AND pid <> pg_backend_pid()"
                ),
                {"name": application_name},
            ).all()
        )


def posting_in_progress(admin: Engine, application_name: str, account: str) -> bool:
    """Whether the daemon's transaction holds the journal's lock on `account`'s chain: it has started
    posting and not yet committed (`Journal.post` takes it with the one-key, transaction-scoped
    pg_advisory_xact_lock(hashtext(account)); one-key locks show as objsubid 1, the low 32 bits in objid)."""
    with admin.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
                    "WHERE application_name = :name AND locktype = 'advisory' AND granted "
                    "AND objsubid = 1 AND objid::bigint = (hashtext(:account)::bigint & 4294967295)"
                ),
                {"name": application_name, "account": account},
            ).scalar_one()
        )


def sqlite_write_locked(url: str) -> bool:
    """Whether another connection holds SQLite's write lock (a worker inside its claiming transaction)."""
    connection = sqlite3.connect(make_url(url).database or "", timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return True
    finally:
        connection.close()
