"""The daemon's lifecycle (gateway layer): start the services, wait for SIGTERM or Ctrl-C, stop them in
reverse order and let work in flight finish.

A service is anything with `start()` and `stop()`; the SFTP server, the workers, the scheduler and the HTTP
endpoint register here as they are built (issues [4/7]–[6/7]). Signals only set an event; the stopping
happens on the main thread.
"""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Protocol

from gateway.logging import get_logger

log = get_logger(__name__)

# The cyclic garbage collector's thresholds for a long-running process (CPython's default is 700, 10, 10).
# Processing a file allocates millions of short-lived objects (segments, lines, findings) that reference
# counting frees, and almost none that form cycles: at the default, a young collection ran every 700
# allocations and the older generations were scanned again and again while a large file's objects were
# alive, about 12 % of a worker's time in the load benchmark. At 100,000 it is about 1 %, for at most a few
# megabytes of cyclic garbage waiting between collections (docs/BENCHMARKS.md).
COLLECTOR_THRESHOLDS = (100_000, 10, 10)


def tune_garbage_collector() -> None:
    """Set the collector for a long-running process, once started: what exists now (modules, settings,
    reference data loaded at start) is moved out of the collector's sight, as it lives as long as the process,
    and the young generation is collected every `COLLECTOR_THRESHOLDS[0]` allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


class Service(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Daemon:
    """Runs services until told to stop."""

    def __init__(self, services: Sequence[Service]) -> None:
        self._services = list(services)
        self._stopping = threading.Event()

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        log.info("daemon.stop_requested", signal=signal.Signals(signum).name if signum else None)
        self._stopping.set()

    def run(self, **context: object) -> None:
        """Start every service, block until a stop is requested, then stop them in reverse order."""
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        started: list[Service] = []
        try:
            for service in self._services:
                service.start()
                started.append(service)
                log.info("service.started", service=service.name)
            tune_garbage_collector()
            log.info("daemon.started", services=[s.name for s in started], **context)
            while not self._stopping.wait(timeout=0.5):
                pass
        finally:
            for service in reversed(started):
                service.stop()
                log.info("service.stopped", service=service.name)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log.info("daemon.stopped")
