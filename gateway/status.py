"""The gateway's state in one JSON-serialisable document (gateway layer): `carm-gateway status`, HTTP
`/status` and the dashboard all show `gather_status`.

`gather_status` does the I/O — one read-only unit of work (the `SELECT 1` probe and the queries of
`ledger.operations`), one TCP connection to the SFTP port — and `status_document` shapes the facts into the
document, a pure function. The keys are a stable surface for scripts; instants are ISO 8601 in UTC.

```
status                "ok", or "degraded" when the database is down or the SFTP port does not answer
generated_at          the instant the document describes
database              {status: "up" | "down", backend: "sqlite" | "postgresql", latency_ms, error}
sftp                  {status: "up" | "down" | "unknown" (port 0: chosen at start-up), host, port,
                       latency_ms, banner (the server's SSH identification line), error}
queue                 {uploading, received, processing, held, done, waiting (received + held)}: files per
                      state; uploading: large uploads still arriving, stored part by part, not yet waiting
oldest_waiting        {id, broker, filename, received_at, age_seconds} of the oldest RECEIVED or HELD
                      file, or null when nothing waits
throughput            {hours: 24 x {start, files_accepted, files_rejected, cads_accepted, cads_rejected},
                       totals: {files_accepted, files_rejected, cads_accepted, cads_rejected}}
                      files answered per UTC hour, oldest hour first, the last one the current hour;
                      a file counts as accepted when its outcome is accepted or partial, as rejected when
                      rejected or duplicate (a CONTRL sent to us, ignored, counts in neither); CADs are the
                      messages each file's processing accepted and rejected
batches               [{job, last_run: {status, business_date, attempt, started_at, finished_at,
                       duration_seconds} | null, next_run: {due_at, business_date} | null}] for every job
```

When the database is down, `queue`, `oldest_waiting` and `throughput` are null and every `last_run` is null;
the document is still returned (never an exception).
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from gateway.bootstrap import System
from ledger.errors import StoreUnavailable
from ledger.files import FileStatus
from ledger.operations import FileSummary, HourOutcomes, LastRun, Operations
from schedules.calendar import SCHEDULES, ZONE, Schedule, business_now
from schedules.jobs import JOBS

HOURS: Final = 24
ONE_HOUR: Final = dt.timedelta(hours=1)
ACCEPTED_OUTCOMES: Final = frozenset({"accepted", "partial"})
REJECTED_OUTCOMES: Final = frozenset({"rejected", "duplicate"})
SFTP_TIMEOUT: Final = 2.0  # seconds to connect and read the banner
MAX_BANNER_BYTES: Final = 4096  # RFC 4253 §4.2: lines before the identification line are allowed
PROBE_VERSION: Final = "SSH-2.0-carm-gateway-status"  # the SFTP server logs this probe at debug level
PROBE_IDENTIFICATION: Final = f"{PROBE_VERSION}\r\n".encode("ascii")
# A server bound to every address is probed on the loopback address of the same family.
LOOPBACK: Final = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """Whether a dependency answered, how fast, and what it said (a banner) or why not (an error)."""

    status: str  # up, down, unknown
    latency_ms: float | None = None
    said: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreFacts:
    """What the database says about the queue and the batches."""

    depths: Mapping[str, int]
    oldest: FileSummary | None
    hours: Sequence[HourOutcomes]
    last_runs: Mapping[str, LastRun]


@dataclass(frozen=True, slots=True, kw_only=True)
class NextRun:
    due_at: dt.datetime
    business_date: dt.date


def gather_status(system: System, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The status document (see the module docstring) at `now` (default: the system clock)."""
    instant = now or system.clock.now()
    scheduled_from = now or business_now(system.clock)
    database, facts = probe_database(system, since=window_start(instant))
    settings = system.settings
    return status_document(
        now=instant,
        backend=system.engine.dialect.name,
        database=database,
        facts=facts,
        sftp=probe_sftp(settings.sftp_host, settings.sftp_port),
        sftp_address=(settings.sftp_host, settings.sftp_port),
        next_runs=next_runs(scheduled_from),
    )


def probe_database(system: System, *, since: dt.datetime) -> tuple[Probe, StoreFacts | None]:
    """`SELECT 1` and its latency, then the facts, in one read-only unit of work; "down" on any error."""
    started = time.perf_counter()
    try:
        with system.unit_of_work() as uow:
            uow.connection.execute(text("SELECT 1")).scalar_one()
            latency = _milliseconds_since(started)
            operations = Operations(uow.connection, system.clock)
            facts = StoreFacts(
                depths=operations.queue_depths(),
                oldest=operations.oldest_waiting(),
                hours=operations.outcomes_by_hour(since),
                last_runs=operations.last_runs(),
            )
    except (StoreUnavailable, sa_exc.SQLAlchemyError) as error:
        return Probe(status="down", error=_one_line(error)), None
    return Probe(status="up", latency_ms=latency), facts


def probe_sftp(host: str, port: int, *, timeout: float = SFTP_TIMEOUT) -> Probe:
    """Connect to the SFTP port and read the server's SSH identification line ("up" when it is one)."""
    if port == 0:
        return Probe(
            status="unknown", error="the SFTP port is 0 (chosen at start-up), so it cannot be probed"
        )
    started = time.perf_counter()
    try:
        with socket.create_connection((LOOPBACK.get(host, host), port), timeout=timeout) as connection:
            banner = _read_identification(connection)
            latency = _milliseconds_since(started)
            # Say who we are before leaving, so the server sees a client that hung up, not garbage.
            connection.sendall(PROBE_IDENTIFICATION)
    except OSError as error:
        return Probe(status="down", error=_one_line(error))
    if banner is None:
        return Probe(status="down", latency_ms=latency, error="the port answered without an SSH banner")
    return Probe(status="up", latency_ms=latency, said=banner)


def _read_identification(connection: socket.socket) -> str | None:
    received = b""
    while len(received) < MAX_BANNER_BYTES:
        chunk = connection.recv(1024)
        if not chunk:
            break
        received += chunk
        for line in received.split(b"\n")[:-1]:
            if line.startswith(b"SSH-"):
                return line.rstrip(b"\r").decode("ascii", "replace")
    return None


def window_start(now: dt.datetime) -> dt.datetime:
    """The start of the oldest of the HOURS hourly buckets; the last bucket is the hour `now` is in."""
    current = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return current - (HOURS - 1) * ONE_HOUR


def next_runs(now: dt.datetime, schedules: Sequence[Schedule] = SCHEDULES) -> dict[str, NextRun]:
    """Each scheduled job's next firing after `now`, and the business date it will run for."""
    runs: dict[str, NextRun] = {}
    for schedule in schedules:
        fire: dt.datetime | None = schedule.trigger().get_next_fire_time(None, now.astimezone(ZONE))
        if fire is not None:
            runs[schedule.job] = NextRun(due_at=fire, business_date=schedule.runs_for(fire.date()))
    return runs


def status_document(
    *,
    now: dt.datetime,
    backend: str,
    database: Probe,
    facts: StoreFacts | None,
    sftp: Probe,
    sftp_address: tuple[str, int],
    next_runs: Mapping[str, NextRun],
) -> dict[str, Any]:
    """Shape the facts into the status document (pure)."""
    healthy = database.status == "up" and sftp.status != "down"
    return {
        "status": "ok" if healthy else "degraded",
        "generated_at": _instant(now),
        "database": {
            "status": database.status,
            "backend": backend,
            "latency_ms": database.latency_ms,
            "error": database.error,
        },
        "sftp": {
            "status": sftp.status,
            "host": sftp_address[0],
            "port": sftp_address[1],
            "latency_ms": sftp.latency_ms,
            "banner": sftp.said,
            "error": sftp.error,
        },
        "queue": None if facts is None else queue_section(facts.depths),
        "oldest_waiting": None if facts is None else oldest_section(facts.oldest, now),
        "throughput": None if facts is None else throughput_section(facts.hours, now),
        "batches": [
            {
                "job": job,
                "last_run": None if facts is None else last_run_section(facts.last_runs.get(job)),
                "next_run": next_run_section(next_runs.get(job)),
            }
            for job in _jobs_in_schedule_order()
        ],
    }


def queue_section(depths: Mapping[str, int]) -> dict[str, int]:
    section = {status.value.lower(): depths.get(status.value, 0) for status in FileStatus}
    section["waiting"] = section["received"] + section["held"]
    return section


def oldest_section(oldest: FileSummary | None, now: dt.datetime) -> dict[str, Any] | None:
    if oldest is None:
        return None
    return {
        "id": oldest.id,
        "broker": oldest.sender_id,
        "filename": oldest.filename,
        "received_at": _instant(oldest.received_at),
        "age_seconds": max(0, int((now - oldest.received_at).total_seconds())),
    }


def throughput_section(hours: Sequence[HourOutcomes], now: dt.datetime) -> dict[str, Any]:
    start = window_start(now)
    buckets = [_bucket(start + index * ONE_HOUR) for index in range(HOURS)]
    for counts in hours:
        index = int((counts.hour - start) / ONE_HOUR)
        if not 0 <= index < HOURS:
            continue  # answered after `now` (a clock set back): not in the window
        bucket = buckets[index]
        if counts.outcome in ACCEPTED_OUTCOMES:
            bucket["files_accepted"] += counts.files
        elif counts.outcome in REJECTED_OUTCOMES:
            bucket["files_rejected"] += counts.files
        bucket["cads_accepted"] += counts.cads_accepted
        bucket["cads_rejected"] += counts.cads_rejected
    keys = ("files_accepted", "files_rejected", "cads_accepted", "cads_rejected")
    totals = {key: sum(bucket[key] for bucket in buckets) for key in keys}
    return {"hours": buckets, "totals": totals}


def _bucket(start: dt.datetime) -> dict[str, Any]:
    return {
        "start": _instant(start),
        "files_accepted": 0,
        "files_rejected": 0,
        "cads_accepted": 0,
        "cads_rejected": 0,
    }


def last_run_section(run: LastRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    duration = None if run.finished_at is None else (run.finished_at - run.started_at).total_seconds()
    return {
        "status": run.status,
        "business_date": run.business_date.isoformat(),
        "attempt": run.attempt,
        "started_at": _instant(run.started_at),
        "finished_at": _instant(run.finished_at) if run.finished_at is not None else None,
        "duration_seconds": duration,
    }


def next_run_section(run: NextRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"due_at": _instant(run.due_at), "business_date": run.business_date.isoformat()}


def _jobs_in_schedule_order() -> list[str]:
    scheduled = [schedule.job for schedule in SCHEDULES]
    return scheduled + sorted(job for job in JOBS if job not in scheduled)


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _milliseconds_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__
