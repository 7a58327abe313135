"""Gateway daemons as real processes for the fault tests: start, watch their JSON logs, kill (test helper).

Each daemon is the real console script (`carm-gateway serve`) — or the kill-point launcher beside this
module — in its own session, with stdout (structlog JSON lines) in a file under the test's directory, so a
SIGKILL loses nothing already written. `gateways` kills every process it started when the test ends,
however it ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONSOLE_SCRIPT = Path(sys.executable).parent / "carm-gateway"
KILL_POINT_LAUNCHER = Path(__file__).resolve().parent / "kill_point_gateway.py"
TODAY = "2025-06-20"  # the business date the fixture tariff and rates apply to
POLL_INTERVAL = "0.05"
STARTUP_TIMEOUT = 60.0


def with_application_name(url: str, name: str) -> str:
    """The URL with a PostgreSQL application_name, so the test can tell (and terminate) this daemon's
    connections; SQLite URLs are returned unchanged."""
    if not url.startswith("postgresql"):
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def environment(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The daemon's CARM_* settings: this database, free ports, a fixed business date, JSON logs."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CARM_")}
    return {
        **inherited,
        "CARM_DATABASE_URL": database_url,
        "CARM_SFTP_PORT": "0",
        "CARM_HTTP_PORT": "0",
        "CARM_GATEWAY_VAR_DIR": str(var_dir),
        "CARM_GATEWAY_TODAY": TODAY,
        "CARM_LOGGING_FORMAT": "json",
        "CARM_WORKERS_POLL_INTERVAL": POLL_INTERVAL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass(slots=True)
class Gateway:
    """One running daemon and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    _read: int = 0  # bytes of the log `seen` has counted
    _seen: Counter[str] = field(default_factory=Counter)

    def seen(self, event: str) -> int:
        """How many `event`s it has logged so far (reads only what is new since the last call)."""
        with self.log.open("rb") as handle:
            handle.seek(self._read)
            data = handle.read()
        complete = data.rfind(b"\n") + 1
        for line in data[:complete].splitlines():
            try:
                self._seen[str(json.loads(line).get("event"))] += 1
            except json.JSONDecodeError:
                continue
        self._read += complete
        return self._seen[event]

    def events(self) -> list[dict[str, Any]]:
        """The JSON events logged so far (a line cut short by a kill is skipped)."""
        events = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return events

    def wait_for(self, event: str, timeout: float = STARTUP_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e.get("event") == event]
            if found:
                return found[0]
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.process.returncode}): {self.stderr()}")
            time.sleep(0.005)
        raise AssertionError(f"{self.name} logged no {event} within {timeout} s: {self.stderr()}")

    def stderr(self) -> str:
        path = self.log.with_suffix(".err")
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the daemon's whole session (no clean-up of any kind runs) and reap it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM: the daemon finishes the file in hand and exits; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def processed_file_ids(logs: Sequence[Path]) -> list[int]:
    """Every file id named by a `file.processed` event in these logs (a file processed twice shows twice)."""
    ids: list[int] = []
    for log in logs:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") == "file.processed":
                ids.append(int(event["file_id"]))
    return ids


class Gateways:
    """Starts daemons for one test and remembers every one, so `gateways()` can kill them all."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self._directory = directory
        self._database_url = database_url
        self._token = uuid.uuid4().hex[:8]
        self.started: list[Gateway] = []

    def application_name(self, name: str) -> str:
        """The PostgreSQL application_name of daemon `name`'s connections (unique to this test)."""
        return f"carm_fault_{self._token}_{name}"

    def start(
        self,
        name: str,
        *,
        kill_point: str | None = None,
        preexec_fn: Callable[[], None] | None = None,
        **settings: str,
    ) -> Gateway:
        """Start `carm-gateway serve` as daemon `name` (its log: `<name>-<n>.log`); with `kill_point`,
        the launcher that SIGKILLs itself there instead (see kill_point_gateway.py); `preexec_fn` runs in
        the daemon's process before it starts (e.g. to set a resource limit)."""
        number = sum(g.name == name for g in self.started) + 1
        log = self._directory / f"{name}-{number:03d}.log"
        url = with_application_name(self._database_url, self.application_name(name))
        env = environment(url, self._directory / f"var-{name}", **settings)
        command: list[str] = [str(CONSOLE_SCRIPT), "serve"]
        if kill_point is not None:
            env["CARM_FAULT_KILL_POINT"] = kill_point
            command = [sys.executable, str(KILL_POINT_LAUNCHER), "serve"]
        with log.open("wb") as stdout, log.with_suffix(".err").open("wb") as stderr:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=self._directory,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=preexec_fn,
            )
        gateway = Gateway(name=name, process=process, log=log)
        self.started.append(gateway)
        return gateway

    def logs(self, name: str | None = None) -> list[Path]:
        return [g.log for g in self.started if name is None or g.name == name]

    def kill_all(self) -> None:
        for gateway in self.started:
            gateway.kill()


@contextmanager
def gateways(directory: Path, database_url: str) -> Iterator[Gateways]:
    """A `Gateways` whose daemons are all SIGKILLed when the block ends, even on failure."""
    started = Gateways(directory, database_url)
    try:
        yield started
    finally:
        started.kill_all()
