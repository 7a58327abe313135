"""Workers (gateway layer): threads that claim inbound files and run the pipeline on each, exactly once.

Each file is processed inside one unit of work that claimed it, so posting, responses and the file's status
commit together. When the store fails (`StoreUnavailable`), the file is held and retried with backoff, never
rejected; when our own code fails on a file, the file is held too and the error logged, so one bad file
cannot stop a worker or the daemon.

Each file answered is logged once as `file.summary` (file id, sender, control reference, transaction numbers,
outcome, received→processed and processing times) and counted in the daemon's metrics.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from gateway.bootstrap import System
from gateway.decisions import Accepted, Rejected
from gateway.logging import get_logger
from gateway.metrics import Metrics
from gateway.pipeline import FileProcessor, ProcessedFile, cad_counts
from ledger.errors import StoreUnavailable
from ledger.queue import ClaimedFile
from ledger.schema import aware

log = get_logger(__name__)

MAX_BACKOFF_SECONDS = 300


def backoff(attempts: int) -> dt.timedelta:
    """How long a held file waits before its next attempt: 2, 4, 8 … seconds, at most five minutes."""
    return dt.timedelta(seconds=min(2 ** (attempts + 1), MAX_BACKOFF_SECONDS))


def process_next(system: System, processor: FileProcessor, metrics: Metrics | None = None) -> bool:
    """Claim and process one waiting file; False when the queue is empty."""
    claimed: ClaimedFile | None = None
    try:
        with system.unit_of_work(immediate=True) as uow:
            claimed = uow.queue.claim_next()
            if claimed is None:
                return False
            began = time.monotonic()
            result = processor(uow, claimed)
            uow.commit()
        processing_seconds = time.monotonic() - began
        outcome = result.outcome.value
        log.info("file.processed", file_id=claimed.id, sender=claimed.sender_id, outcome=outcome)
        summary = file_summary(claimed, result, processed_at=system.clock.now(), seconds=processing_seconds)
        log.info("file.summary", **summary)
        if metrics is not None:
            count_file(metrics, claimed, result, processing_seconds)
    except StoreUnavailable as error:
        if claimed is None:  # the store failed while claiming: nothing was claimed, nothing to hold
            log.warning("queue.unavailable", reason=str(error))
            return False
        log.warning("file.held", file_id=claimed.id, reason=str(error))
        if metrics is not None:
            metrics.files_held.labels(broker=claimed.sender_id).inc()
        _hold(system, claimed, str(error))
    except Exception as error:  # the per-file boundary: a bug in our code must not stop the worker
        log.exception("file.failed", file_id=claimed.id if claimed else None)
        _hold(system, claimed, f"{type(error).__name__}: {error}")
    return True


def file_summary(
    file: ClaimedFile, result: ProcessedFile, *, processed_at: dt.datetime, seconds: float
) -> dict[str, Any]:
    """The fields of a file's `file.summary` event (no file contents: references and counts only)."""
    summary: dict[str, Any] = {
        "file_id": file.id,
        "sender": file.sender_id,
        "filename": file.filename,
        "attempts": file.attempts + 1,
        "received_to_processed_ms": round((processed_at - aware(file.received_at)).total_seconds() * 1000),
        "processing_ms": round(seconds * 1000, 1),
    }
    interchange = result.reading.interchange
    accepted, rejected = cad_counts(result)
    return {
        **summary,
        "outcome": result.outcome.value,
        "interchange_sender": interchange.sender_id or None,
        "control_reference": interchange.control_reference or None,
        "test": interchange.test_indicator,
        "transactions": [_transaction(d) for d in result.decisions],
        "cads_accepted": accepted,
        "cads_rejected": rejected,
        "syntax_errors": len(interchange.findings) + sum(len(m.findings) for m in interchange.messages),
        "responses": [kind for kind, _ in result.responses],
    }


def _transaction(decision: Accepted | Rejected) -> str:
    """`transaction number:version` of a decided CAD ("?" for what could not be read)."""
    if isinstance(decision, Accepted):
        return f"{decision.cad.transaction_number}:{decision.cad.version}"
    reference = decision.reference
    version = "?" if reference.version is None else str(reference.version)
    return f"{reference.transaction_number or '?'}:{version}"


def count_file(metrics: Metrics, file: ClaimedFile, result: ProcessedFile, seconds: float) -> None:
    """Count an answered file, its CADs and the codes its rejected CADs were rejected for."""
    broker = file.sender_id
    metrics.files_processed.labels(broker=broker, outcome=result.outcome.value).inc()
    metrics.processing_seconds.observe(seconds)
    for decision in result.decisions:
        if isinstance(decision, Accepted):
            metrics.cads.labels(broker=broker, outcome="accepted").inc()
            continue
        metrics.cads.labels(broker=broker, outcome="rejected").inc()
        for finding in decision.findings:
            metrics.cad_rejections.labels(broker=broker, code=finding.code).inc()


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

    def __init__(self, system: System, processor: FileProcessor, metrics: Metrics | None = None) -> None:
        self._system = system
        self._processor = processor
        self._metrics = metrics
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
                busy = process_next(self._system, self._processor, self._metrics)
            except StoreUnavailable:
                busy = False  # the store is down even for claiming: wait and poll again
            if not busy:
                self._stopping.wait(interval)

    def stop(self) -> None:
        """Finish the file in hand, then stop."""
        self._stopping.set()
        for thread in self._threads:
            thread.join()
