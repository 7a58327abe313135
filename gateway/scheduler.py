"""The batch scheduler, a daemon service (gateway layer): runs the batches on their cron, on one node only.

APScheduler 3.11's `BackgroundScheduler` in America/Toronto fires each job's cron (`schedules.calendar`)
with a misfire grace of hours, coalescing missed firings into one and never two at once; a single worker
thread runs the batches one after another. A firing, and a tick at start and then every `tick_seconds`, run
`schedules.catch_up.catch_up`, which works out from `batch_run` what fell due and is not done, so a node
down over a firing catches up when it is back, exactly once.

Only the node holding the scheduler lock runs batches (DESIGN.md "Processing and scale-out"): on PostgreSQL
a session advisory lock held on a dedicated connection for as long as the scheduler runs (released when the
session ends, however it ends); on SQLite an exclusive `flock` on `<var>/scheduler.lock`. A node without
the lock runs nothing and tries to take it again on every tick, so another node takes over when the holder
stops or dies.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Final, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from gateway.bootstrap import System
from gateway.logging import get_logger
from ledger.errors import StoreUnavailable
from schedules.calendar import SCHEDULES, ZONE, Schedule
from schedules.catch_up import catch_up
from schedules.jobs import JOBS
from schedules.report import BatchJob

log = get_logger(__name__)

# The first key of the scheduler's two-key advisory lock; the second is the schema's hash, so deployments
# sharing one database in separate schemas each have their own scheduler.
SCHEDULER_LOCK_CLASS: Final = 7301
LOCK_FILE: Final = "scheduler.lock"
MISFIRE_GRACE_SECONDS: Final = 6 * 3600  # a firing missed by less than this still runs (catch-up does later)
DEFAULT_TICK_SECONDS: Final = 60.0
JOB_DEFAULTS: Final = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS}
TICK_JOB: Final = "catch-up"


class SchedulerLock(Protocol):
    """The right to run batches, held by at most one node."""

    def try_acquire(self) -> bool: ...

    def is_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresSchedulerLock:
    """A session advisory lock on a connection of its own, kept open while held."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.is_held()
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        query = text("SELECT pg_try_advisory_lock(:class, hashtext(current_schema()))")
        if connection.execute(query, {"class": SCHEDULER_LOCK_CLASS}).scalar_one():
            self._connection = connection
            return True
        connection.close()
        return False

    def is_held(self) -> bool:
        """Whether the lock's session is still alive (if it died, the server released the lock)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            self._forget()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            unlock = text("SELECT pg_advisory_unlock(:class, hashtext(current_schema()))")
            self._connection.execute(unlock, {"class": SCHEDULER_LOCK_CLASS})
        except DBAPIError:
            pass  # the session is gone, and its lock with it
        self._forget()

    def _forget(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()  # never back to the pool: the session may still hold the lock


class FileSchedulerLock:
    """An exclusive `flock` on a file, kept open while held (the kernel drops it if the process dies)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def is_held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def scheduler_lock(system: System) -> SchedulerLock:
    """The lock for the system's store: an advisory lock on PostgreSQL, a file lock beside SQLite's file."""
    if system.engine.dialect.name == "postgresql":
        return PostgresSchedulerLock(system.engine)
    return FileSchedulerLock(system.settings.gateway_var_dir / LOCK_FILE)


class SchedulerService:
    """Fires the batches on their cron and catches up on missed runs, while this node holds the lock."""

    name = "scheduler"

    def __init__(
        self,
        system: System,
        *,
        start_date: dt.date | None = None,
        tick_seconds: float = DEFAULT_TICK_SECONDS,
        lock: SchedulerLock | None = None,
        jobs: Mapping[str, BatchJob] = JOBS,
        schedules: Sequence[Schedule] = SCHEDULES,
    ) -> None:
        self._system = system
        self._start_date = start_date
        self._tick_seconds = tick_seconds
        self._lock = lock or scheduler_lock(system)
        self._jobs = jobs
        self._schedules = schedules
        self._was_holding: bool | None = None  # to log only when this node takes or loses the lock
        self._scheduler: Any = None

    def start(self) -> None:
        scheduler = BackgroundScheduler(
            timezone=ZONE, executors={"default": ThreadPoolExecutor(1)}, job_defaults=JOB_DEFAULTS
        )
        for schedule in self._schedules:
            if schedule.job in self._jobs:
                scheduler.add_job(
                    self.run_due, schedule.trigger(), kwargs={"only": schedule.job}, id=schedule.job
                )
        scheduler.add_job(
            self.run_due,
            IntervalTrigger(seconds=self._tick_seconds, timezone=ZONE),
            id=TICK_JOB,
            next_run_time=dt.datetime.now(ZONE),  # at once: catch up on what fell due while down
        )
        scheduler.start()
        self._scheduler = scheduler

    def run_due(self, only: str | None = None) -> None:
        """Catch up (all jobs, or job `only`) if this node holds the lock, after trying to take it."""
        if not self._holds_lock():
            return
        try:
            catch_up(
                self._system,
                start_date=self._start_date,
                jobs=self._jobs,
                schedules=self._schedules,
                only=only,
            )
        except StoreUnavailable as error:
            log.warning("scheduler.store_unavailable", reason=str(error))

    def _holds_lock(self) -> bool:
        held = self._lock.is_held() or self._try_acquire()
        if held != self._was_holding:
            if held:
                log.info("scheduler.lock_acquired")
            else:
                log.info("scheduler.standby", retry_seconds=self._tick_seconds)
            self._was_holding = held
        return held

    def _try_acquire(self) -> bool:
        try:
            return self._lock.try_acquire()
        except DBAPIError as error:
            log.warning("scheduler.lock_unavailable", reason=str(error.orig))
            return False

    @property
    def holds_lock(self) -> bool:
        """Whether this node held the lock when it last looked (no I/O: the lock's connection is used by
        the scheduler's thread only)."""
        return bool(self._was_holding)

    def stop(self) -> None:
        """Let a batch in progress finish, then give up the lock."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self._lock.release()
        self._was_holding = False
