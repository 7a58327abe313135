"""The daemon's lifecycle: services started in order, stopped in reverse, the collector tuned once started."""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Iterator

import pytest

from gateway.daemon import COLLECTOR_THRESHOLDS, Daemon


class Recorder:
    """A service that records what the daemon did with it; the last one to start asks the daemon to stop."""

    def __init__(self, name: str, events: list[str], stop_after_start: bool = False) -> None:
        self.name, self._events, self._stop_after_start = name, events, stop_after_start

    def start(self) -> None:
        self._events.append(f"start {self.name}")
        if self._stop_after_start:
            os.kill(os.getpid(), signal.SIGTERM)

    def stop(self) -> None:
        self._events.append(f"stop {self.name} threshold {gc.get_threshold()[0]}")


@pytest.fixture
def collector() -> Iterator[None]:
    """Restores the collector as the test process had it."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_services_stop_in_reverse_order_with_the_collector_tuned_while_running(collector: None) -> None:
    events: list[str] = []
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    handler = signal.getsignal(signal.SIGTERM)

    Daemon([Recorder("sftp", events), Recorder("workers", events, stop_after_start=True)]).run()

    assert events == [
        "start sftp",
        "start workers",
        f"stop workers threshold {COLLECTOR_THRESHOLDS[0]}",
        f"stop sftp threshold {COLLECTOR_THRESHOLDS[0]}",
    ]
    assert gc.get_threshold() == COLLECTOR_THRESHOLDS
    # what existed at start (modules, settings) is out of the collector's sight
    assert gc.get_freeze_count() > 0
    assert signal.getsignal(signal.SIGTERM) == handler
