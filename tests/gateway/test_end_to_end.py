"""End to end: the real daemon, the OpenSSH `sftp` client, the golden samples (issue [4/7]).

For each sample, a daemon (`carm-gateway serve`, a separate process) runs on a fresh store at the sample's
business date; the broker uploads the sample's prerequisites and the sample with `sftp`, waits for each to
be answered, and downloads its outbox. The responses must be the goldens of fixtures/edi_samples — but for
the instants in them (UNB date/time, DTM+148), which the daemon takes from the real clock — and
`carm-gateway ledger balance` and `ledger verify` must agree with the manifest.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.openssh import sftp_batch
from gateway.bootstrap import System
from ledger.schema import inbound_file
from tests.conftest import REPO, Store
from tests.gateway.cad_files import IMPORTER, SENDER
from tests.gateway.cad_files import broker_key as make_broker_key
from tests.golden.samples import SAMPLES, Sample, load_manifest, register

CONSOLE_SCRIPT = Path(sys.executable).parent / "carm-gateway"
# A representative subset: every kind of valid file, and rejections at each level.
# (Every sample goes through the same pipeline in tests/golden; this runs a daemon per sample, so it takes
# a representative few.)
CHOSEN = (
    "valid/04-syntax-version-4.edi",
    "valid/09-correction.edi",
    "valid/14-adjustment-under-review.edi",
    "syntax/07-recipient-not-carm.edi",
    "business/002-office-of-release-missing.edi",
)
INSTANTS = re.compile(rb"(UNB\+[^']*?\+)[0-9]{6,8}:[0-9]{4}(\+)|(DTM\+148:)[0-9]{12}")


def normalised(content: bytes) -> bytes:
    """Responses with their instants blanked (the daemon runs on the real clock)."""
    return INSTANTS.sub(lambda m: (m[1] + b"<when>" + m[2]) if m[1] else m[3] + b"<when>", content)


class Daemon:
    """`carm-gateway serve` on a store, in its own process group; its JSON log in a file."""

    def __init__(self, store: Store, directory: Path, today: str) -> None:
        self.log = directory / "daemon.log"
        environment = {
            **os.environ,
            "CARM_SFTP_PORT": "0",
            "CARM_HTTP_PORT": "0",
            "CARM_GATEWAY_VAR_DIR": str(directory / "var"),
            "CARM_LOGGING_FORMAT": "json",
            "CARM_WORKERS_POLL_INTERVAL": "0.05",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(CONSOLE_SCRIPT), "--database-url", store.url, "--today", today, "serve"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
                cwd=REPO,
            )
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for line in self.log.read_text().splitlines():
                event = json.loads(line) if line.startswith("{") else {}
                if event.get("event") == "sftp.listening":
                    return int(event["port"])
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError("the daemon did not start listening")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def sftp(port: int, key: Path, commands: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = sftp_batch(port=port, user=SENDER, key=key, commands=commands, cwd=cwd)
    result.check_returncode()
    return result


@pytest.fixture
def broker_key(system: System, tmp_path: Path) -> Path:
    register(system)
    return make_broker_key(system, tmp_path)


def answered(system: System, count: int) -> bool:
    with system.unit_of_work() as uow:
        statuses = uow.connection.execute(select(inbound_file.c.status)).scalars().all()
    return len(statuses) == count and all(status == "DONE" for status in statuses)


def upload(system: System, daemon: Daemon, key: Path, name: str, number: int, work: Path) -> None:
    sftp(daemon.port, key, f"put {SAMPLES / name} inbox/{Path(name).name}\n", work)
    deadline = time.monotonic() + 30
    while not answered(system, number):
        assert time.monotonic() < deadline, daemon.log.read_text()[-3000:]
        time.sleep(0.1)


@pytest.fixture(params=CHOSEN)
def sample(request: pytest.FixtureRequest) -> Sample:
    return load_manifest().samples[request.param]


def run_daemon_for(sample: Sample, store: Store, directory: Path) -> Iterator[Daemon]:
    daemon = Daemon(store, directory, sample.date.isoformat())
    try:
        yield daemon
    finally:
        daemon.stop()


def test_a_broker_uploads_with_openssh_and_finds_the_golden_answers_in_its_outbox(
    system: System, store: Store, broker_key: Path, sample: Sample, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for daemon in run_daemon_for(sample, store, tmp_path):
        for number, name in enumerate((*sample.after, sample.name), start=1):
            upload(system, daemon, broker_key, name, number, work)
        sftp(daemon.port, broker_key, "get outbox/* .\n", work)
    file_id = len(sample.after) + 1
    for kind, prefix in (("contrl", "C"), ("cusres", "R")):
        got = work / f"{kind}-{prefix}{file_id:013d}.edi"
        golden = sample.golden(kind)
        assert got.exists() == golden.exists(), kind
        if golden.exists():
            assert normalised(got.read_bytes()) == normalised(golden.read_bytes())
    assert_ledger(store, sample)


def assert_ledger(store: Store, sample: Sample) -> None:
    verify = subprocess.run(
        [str(CONSOLE_SCRIPT), "--database-url", store.url, "ledger", "verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    balance = subprocess.run(
        [str(CONSOLE_SCRIPT), "--database-url", store.url, "ledger", "balance", IMPORTER, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    if sample.balance is not None:
        cents = int(sample.balance.replace(".", ""))
        assert json.loads(balance.stdout)["balance_cents"] == cents
