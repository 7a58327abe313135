"""Prometheus metrics of the daemon (gateway layer): what the workers and the SFTP server count as they go,
and what the store says at scrape time.

One `Metrics` per running system, each with its own `CollectorRegistry` (never the global one), so tests and
several systems in one process do not clash. The places that count are handed this object; it is thin on
purpose — a counter moves, nothing else happens. Queue depth, the oldest waiting file, ledger entries and the
batch runs (attempts, last success and its duration per job) are read from the database when `/metrics` is
scraped (`StoreCollector`), so they are true whichever node did the work, survive a restart, and do not
depend on how a batch job is shaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from gateway.bootstrap import System
from gateway.logging import get_logger
from ledger.batches import RunStatus
from ledger.errors import StoreUnavailable
from ledger.operations import Operations
from ledger.schema import aware, batch_run

log = get_logger(__name__)

PREFIX: Final = "carm"
RunCount = tuple[str, str, int]  # job, status, attempts
LastSuccess = tuple[str, dt.datetime, dt.datetime]  # job, started_at, finished_at
# Seconds: a file is processed in tens of milliseconds; a slow one (many CADs, a busy store) in seconds.
PROCESSING_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The daemon's counters, gauges and histograms, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        reg = self.registry
        self.files_received = Counter(
            f"{PREFIX}_files_received", "Files stored from SFTP uploads.", ["broker"], registry=reg
        )
        self.files_processed = Counter(
            f"{PREFIX}_files_processed",
            "Files answered, by broker and outcome (accepted, partial, rejected, duplicate, ignored).",
            ["broker", "outcome"],
            registry=reg,
        )
        self.files_held = Counter(
            f"{PREFIX}_files_held",
            "Files held for retry after an infrastructure error.",
            ["broker"],
            registry=reg,
        )
        self.cads = Counter(
            f"{PREFIX}_cads",
            "CAD messages decided, by broker and outcome.",
            ["broker", "outcome"],
            registry=reg,
        )
        self.cad_rejections = Counter(
            f"{PREFIX}_cad_rejection_findings",
            "Findings of rejected CADs, by broker and catalogue code.",
            ["broker", "code"],
            registry=reg,
        )
        self.processing_seconds = Histogram(
            f"{PREFIX}_file_processing_seconds",
            "Seconds from claiming a file to committing its answer.",
            buckets=PROCESSING_BUCKETS,
            registry=reg,
        )
        self.sftp_sessions = Counter(
            f"{PREFIX}_sftp_sessions", "SFTP sessions opened by brokers.", registry=reg
        )
        self.sftp_sessions_active = Gauge(
            f"{PREFIX}_sftp_sessions_active", "Brokers logged in over SFTP now.", registry=reg
        )
        self.sftp_failed_logins = Counter(
            f"{PREFIX}_sftp_failed_logins", "Failed or throttled SFTP logins.", registry=reg
        )

    def watch_store(self, system: System) -> None:
        """Read the queue, the ledger and the batch record from `system`'s store at every scrape."""
        self.registry.register(StoreCollector(system))

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return bytes(generate_latest(self.registry))


class StoreCollector(Collector):
    """Gauges and counters computed from the store when scraped (one short read-only unit of work)."""

    def __init__(self, system: System, now: Callable[[], dt.datetime] | None = None) -> None:
        self._system = system
        self._now = now or system.clock.now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_store_up", "1 when the database answered this scrape, else 0.")
        try:
            facts = self._read()
        except (StoreUnavailable, sa_exc.SQLAlchemyError) as error:
            log.warning("metrics.store_unavailable", reason=" ".join(str(error).split())[:300])
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depths, waiting_since, entry_count, runs, successes = facts
        age = (self._now() - waiting_since).total_seconds() if waiting_since is not None else 0.0
        yield from _queue_metrics(depths, max(age, 0.0))
        entries = CounterMetricFamily(f"{PREFIX}_ledger_entries", "Journal entries posted to the ledger.")
        entries.add_metric([], entry_count)
        yield entries
        yield from _batch_metrics(runs, successes)

    def _read(self) -> tuple[dict[str, int], dt.datetime | None, int, list[RunCount], list[LastSuccess]]:
        with self._system.unit_of_work() as uow:
            operations = Operations(uow.connection, self._system.clock)
            waiting = operations.oldest_waiting()
            runs = uow.connection.execute(
                select(batch_run.c.job, batch_run.c.status, func.count()).group_by(
                    batch_run.c.job, batch_run.c.status
                )
            )
            latest = select(func.max(batch_run.c.id)).where(batch_run.c.status == RunStatus.SUCCEEDED.value)
            successes = uow.connection.execute(
                select(batch_run.c.job, batch_run.c.started_at, batch_run.c.finished_at).where(
                    batch_run.c.id.in_(latest.group_by(batch_run.c.job))
                )
            )
            return (
                operations.queue_depths(),
                waiting.received_at if waiting is not None else None,
                uow.journal.count(),
                [(job, status, int(count)) for job, status, count in runs],
                [(job, aware(started), aware(finished)) for job, started, finished in successes],
            )


def _queue_metrics(depths: Mapping[str, int], oldest_age: float) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        f"{PREFIX}_queue_files",
        "Inbound files by state (UPLOADING, RECEIVED, PROCESSING, HELD, DONE).",
        labels=["state"],
    )
    for state, count in depths.items():
        depth.add_metric([state], count)
    oldest = GaugeMetricFamily(
        f"{PREFIX}_queue_oldest_waiting_seconds",
        "Age of the oldest file waiting (RECEIVED or HELD); 0 when none.",
    )
    oldest.add_metric([], oldest_age)
    return iter((depth, oldest))


def _batch_metrics(runs: Sequence[RunCount], successes: Sequence[LastSuccess]) -> Iterator[Metric]:
    total = CounterMetricFamily(
        f"{PREFIX}_batch_runs", "Batch attempts recorded, by job and status.", labels=["job", "status"]
    )
    for job, status, count in runs:
        total.add_metric([job, status], count)
    last_success = GaugeMetricFamily(
        f"{PREFIX}_batch_last_success_timestamp_seconds",
        "When each batch job last succeeded (Unix time of its finish).",
        labels=["job"],
    )
    duration = GaugeMetricFamily(
        f"{PREFIX}_batch_last_duration_seconds",
        "How long each job's last successful run took.",
        labels=["job"],
    )
    for job, started_at, finished_at in successes:
        last_success.add_metric([job], finished_at.timestamp())
        duration.add_metric([job], (finished_at - started_at).total_seconds())
    return iter((total, last_success, duration))
