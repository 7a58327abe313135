"""A batch's work read a range of accounts at a time in worker processes (schedules layer).

Most of the daily notices' time is Python work per account — re-hashing every entry a notice reports,
building and validating every notice — and one process keeps one core busy. On PostgreSQL the runner hands
that work to `processes` worker processes: it exports the snapshot of its reading transaction
(`pg_export_snapshot`), cuts the accounts into ranges of as many registered importers as a chunk has
accounts (`Statements.account_ranges`), and each worker runs the job over one range at a time in a READ ONLY
transaction that imports that snapshot, so every range reads the very ledger the runner's reader sees (no
CAD posted meanwhile shows in one range and not in another). Ranges are handed out in order, at most two
per worker ahead of the one the runner waits for, and their work is taken back in order:
`works_in_processes` yields it account by account, as a job run in the runner's own process does, and the
runner applies and records it the same way, chunk by chunk, in its own transactions. The workers only read;
they are started with `spawn` (the daemon has threads), live for one run and end with it, whether it
succeeds, fails or is interrupted, or within a second of the runner's process being killed. An error a
worker meets reaches the runner as itself (or, when it cannot be pickled, as its text); a snapshot gone with
the runner's connection reaches it as the store unavailable, so the run is resumed, not failed.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import re
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Final

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from domain.clock import Clock
from ledger.database import create_engine_for
from ledger.errors import StoreUnavailable
from ledger.statements import AccountRange
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from schedules.report import AccountWork, BatchJob

_AHEAD_PER_PROCESS: Final = 2  # ranges handed out per worker beyond the one the runner waits for
_PARENT_CHECK_SECONDS: Final = 1.0  # how often a worker looks whether its runner is still there
_SNAPSHOT_ID: Final = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")
_INVALID_PARAMETER_VALUE: Final = "22023"  # SQLSTATE of "invalid snapshot identifier"

_engine: Engine | None = None  # each worker's own, made once by `_start_worker`


def read_one_snapshot(reader: SqlAlchemyUnitOfWork, imported: str | None = None) -> None:
    """Make the reading transaction one snapshot: on PostgreSQL REPEATABLE READ, READ ONLY (its first
    statement), and the snapshot `imported` from another transaction when given (`export_snapshot`, a
    worker); SQLite's read transaction in WAL mode is one snapshot already."""
    if reader.connection.dialect.name == "postgresql":
        reader.connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        if imported is not None:
            _import_snapshot(reader, imported)


def _import_snapshot(reader: SqlAlchemyUnitOfWork, snapshot: str) -> None:
    """SET TRANSACTION SNAPSHOT, where a snapshot PostgreSQL no longer knows means the store went away.

    The runner's reading transaction holds the snapshot for the whole run; it ends early only when its
    connection does (terminated, the server restarted), and then the run is interrupted, to be resumed, not
    failed. The id's form is checked where it is exported, so an invalid parameter here is that.
    """
    try:
        reader.connection.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != _INVALID_PARAMETER_VALUE:
            raise
        raise StoreUnavailable(
            f"The snapshot {snapshot} is gone with the runner's reading transaction: {error.orig}."
        ) from error


def export_snapshot(reader: SqlAlchemyUnitOfWork) -> str:
    """The id of the reading transaction's snapshot, for the workers to import (PostgreSQL)."""
    snapshot = str(reader.connection.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"PostgreSQL exported a snapshot id of an unknown form: {snapshot!r}")
    return snapshot


def works_in_processes(
    job: BatchJob,
    business_date: dt.date,
    ranges: Sequence[AccountRange],
    *,
    database_url: str,
    snapshot: str,
    clock: Clock,
    processes: int,
) -> Iterator[AccountWork]:
    """The work of every range, in order, each range read by one of `processes` workers in `snapshot`.

    Raises:
        whatever the job raised in a worker (the pool is shut down first).
    """
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        processes, context, initializer=_start_worker, initargs=(database_url, os.getpid())
    )
    try:
        pending: deque[Future[list[AccountWork]]] = deque()
        for accounts in ranges:
            pending.append(pool.submit(_range_works, job, business_date, accounts, snapshot, clock))
            if len(pending) > processes * _AHEAD_PER_PROCESS:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(database_url: str, parent: int) -> None:
    global _engine
    _engine = create_engine_for(database_url)
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once its runner's process `parent` is gone — even before the worker got going (killed:
    nothing tells the pool's workers, which would wait for work forever, holding a connection)."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(1)


def _range_works(
    job: BatchJob, business_date: dt.date, accounts: AccountRange, snapshot: str, clock: Clock
) -> list[AccountWork]:
    """The job's work for `accounts`, read in `snapshot` (in a worker)."""
    assert _engine is not None, "the worker was started by works_in_processes"
    try:
        with SqlAlchemyUnitOfWork(_engine, clock) as reader:
            read_one_snapshot(reader, snapshot)
            return list(job(business_date, reader, accounts))
    except Exception as error:
        if _portable(error):
            raise
        raise RuntimeError(f"{type(error).__name__}: {error}") from error


def _portable(error: Exception) -> bool:
    """Whether `error` survives the trip back to the runner's process (pickled, as every result is)."""
    try:
        pickle.loads(pickle.dumps(error))
    # unpicklable state, or arguments __init__ refuses
    except (pickle.PickleError, TypeError, AttributeError):
        return False
    return True
