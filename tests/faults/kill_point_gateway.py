"""`carm-gateway` that SIGKILLs itself at one named point of processing a file (fault-injection launcher).

Run as `python kill_point_gateway.py serve` with CARM_FAULT_KILL_POINT set to one of `KILL_POINTS`. It wraps
one method of the real gateway so that, the first time a worker thread reaches that point, the process
says so on stderr (`killed at <point>`) and sends itself SIGKILL — nothing after it runs, exactly as if the
machine had died there. Everything else is the real daemon: the console script's `main`, the real
pipeline, the real store. Test code only; production code has no seam for this.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import gateway.workers
from gateway.cli import main
from ledger.files import Files
from ledger.journal import Journal
from ledger.queue import Queue

KILL_POINT_VARIABLE = "CARM_FAULT_KILL_POINT"


def _die() -> None:
    sys.stderr.write(f"killed at {os.environ[KILL_POINT_VARIABLE]}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _on_a_worker() -> bool:
    """Only the workers' files count: the scheduler's batches use the same repositories."""
    return threading.current_thread().name.startswith("worker-")


def _kill_after(owner: Any, name: str, when: Callable[[Any], bool] = lambda _result: True) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if _on_a_worker() and when(result):
            _die()
        return result

    setattr(owner, name, wrapper)


def _kill_before(owner: Any, name: str, *, call: int = 1) -> None:
    original = getattr(owner, name)
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += _on_a_worker()
        if _on_a_worker() and calls == call:
            _die()
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


class _DieBeforeProcessedIsLogged:
    """The workers' logger, except that `file.processed` — logged just after the commit — kills first."""

    def __init__(self, logger: Any) -> None:
        self._logger = logger

    def info(self, event: str, **values: Any) -> Any:
        if event == "file.processed" and _on_a_worker():
            _die()
        return self._logger.info(event, **values)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logger, name)


def _kill_after_commit() -> None:
    gateway.workers.log = _DieBeforeProcessedIsLogged(gateway.workers.log)  # type: ignore[assignment]


# In the order a file meets them; every point but the last is inside the claiming transaction.
KILL_POINTS: dict[str, Callable[[], None]] = {
    "claimed": lambda: _kill_after(Queue, "claim_next", lambda claimed: claimed is not None),
    "entries-posted": lambda: _kill_after(Journal, "post_all"),  # a file's entries posted in one call
    "before-responses": lambda: _kill_before(Files, "send"),  # every entry posted, no response queued
    "between-contrl-and-cusres": lambda: _kill_before(Files, "send", call=2),
    "marked-done": lambda: _kill_after(Queue, "finish"),  # DONE written, not committed
    "committed": _kill_after_commit,  # committed, `file.processed` not yet logged
}


if __name__ == "__main__":
    KILL_POINTS[os.environ[KILL_POINT_VARIABLE]]()
    main()
