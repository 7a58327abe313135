"""Workers (gateway layer): threads that claim inbound files and run the pipeline on each, exactly once.

Each file is processed inside one unit of work that claimed it, so posting, responses and the file's status
commit together. When the store fails (`StoreUnavailable`), the file is held and retried with backoff, never
rejected; when our own code fails on a file, the file is held too and the error logged, so one bad file
cannot stop a worker or the daemon.
"""

from __future__ import annotations

import datetime as dt
import threading

from gateway.bootstrap import System
from gateway.logging import get_logger
from gateway.pipeline import FileProcessor
from ledger.errors import StoreUnavailable
from ledger.queue import ClaimedFile

log = get_logger(__name__)

MAX_BACKOFF_SECONDS = 300


def backoff(attempts: int) -> dt.timedelta:
    """How long a held file waits before its next attempt: 2, 4, 8 … seconds, at most five minutes."""
    return dt.timedelta(seconds=min(2 ** (attempts + 1), MAX_BACKOFF_SECONDS))


def process_next(system: System, processor: FileProcessor) -> bool:
    """Claim and process one waiting file; False when the queue is empty."""
    claimed: ClaimedFile | None = None
    try:
        with system.unit_of_work(immediate=True) as uow:
            claimed = uow.queue.claim_next()
            if claimed is None:
                return False
            outcome = processor(uow, claimed)
            uow.commit()
        log.info("file.processed", file_id=claimed.id, sender=claimed.sender_id, outcome=outcome)
    except StoreUnavailable as error:
        if claimed is None:  # the store failed while claiming: nothing was claimed, nothing to hold
            log.warning("queue.unavailable", reason=str(error))
            return False
        log.warning("file.held", file_id=claimed.id, reason=str(error))
        _hold(system, claimed, str(error))
    except Exception as error:  # the per-file boundary: a bug in our code must not stop the worker
        log.exception("file.failed", file_id=claimed.id if claimed else None)
        _hold(system, claimed, f"{type(error).__name__}: {error}")
    return True


def _hold(system: System, claimed: ClaimedFile | None, reason: str) -> None:
    if claimed is None:
        return
    try:
        with system.unit_of_work() as uow:
            uow.queue.hold(claimed.id, error=reason, retry_at=system.clock.now() + backoff(claimed.attempts))
            uow.commit()
    except StoreUnavailable:
        pass  # the file is still waiting in the store and will be claimed again when it is back


class WorkerPool:
    """`count` threads polling the queue; a daemon service."""

    name = "workers"

    def __init__(self, system: System, processor: FileProcessor) -> None:
        self._system = system
        self._processor = processor
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self._system.settings.workers_count):
            thread = threading.Thread(target=self._run, name=f"worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self) -> None:
        interval = self._system.settings.workers_poll_interval
        while not self._stopping.is_set():
            try:
                busy = process_next(self._system, self._processor)
            except StoreUnavailable:
                busy = False  # the store is down even for claiming: wait and poll again
            if not busy:
                self._stopping.wait(interval)

    def stop(self) -> None:
        """Finish the file in hand, then stop."""
        self._stopping.set()
        for thread in self._threads:
            thread.join()
