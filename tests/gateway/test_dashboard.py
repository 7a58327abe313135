"""The dashboard in a real headless Chromium, against the real daemon (`carm-gateway serve`, a separate
process) on a SQLite store with files uploaded by the OpenSSH client: the page shows the queue numbers that
`carm-gateway status --json` gives, the oldest waiting file, the batches and the last 24 hours; a
screenshot is kept in test-artifacts/.

Chromium and its driver are Debian packages (`make system-packages`); under CI their absence fails the
test, locally it skips.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.bootstrap import System, bootstrap
from gateway.clock import SystemClock
from gateway.pipeline import file_processor
from gateway.settings import load_settings
from gateway.workers import process_next
from ledger.database import create_engine_for, upgrade
from ledger.files import FileStatus
from ledger.operations import FileSummary, Operations
from tests.conftest import REPO
from tests.gateway.cad_files import SENDER, broker_key, cad_interchange, cad_message, register
from tests.gateway.test_end_to_end import CONSOLE_SCRIPT, sftp

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "test-artifacts"
TODAY = "2025-06-20"  # the day after the test CAD's release: accepted as filed
STATES = ("received", "processing", "held", "done", "waiting", "uploading")


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for program in (CHROMIUM, CHROMEDRIVER):
        if not program.exists():
            return f"{program} is missing (make system-packages installs chromium and chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the dashboard test must run in CI, but {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class Daemon:
    """`carm-gateway serve --workers 0` on ephemeral ports: uploads stay in the queue for the test to move."""

    def __init__(self, url: str, directory: Path) -> None:
        self.log = directory / "daemon.log"
        environment = {
            **os.environ,
            "CARM_GATEWAY_VAR_DIR": str(directory / "var"),
            "CARM_LOGGING_FORMAT": "json",
            "CARM_BATCHES_ENABLED": "false",
        }
        command = [str(CONSOLE_SCRIPT), "--database-url", url, "--today", TODAY, "serve"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "--sftp-port", "0", "--http-port", "0", "--workers", "0"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
                cwd=REPO,
            )
        ports = self._wait_for("sftp.listening", "http.listening")
        self.sftp_port, self.http_port = ports["sftp.listening"], ports["http.listening"]

    def _wait_for(self, *events: str) -> dict[str, int]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = {}
            for line in self.log.read_text().splitlines():
                event = json.loads(line) if line.startswith("{") else {}
                if event.get("event") in events:
                    found[event["event"]] = int(event["port"])
            if len(found) == len(events):
                return found
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"the daemon did not log {events}: {self.log.read_text()[-2000:]}")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=10) as answer:
            body: bytes = answer.read()
            return body

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[str, System]]:
    """A migrated SQLite store and a system on it whose clock is real but for the business date."""
    url = f"sqlite:///{tmp_path / 'carm.db'}"
    engine = create_engine_for(url)
    upgrade(engine)
    settings = load_settings(
        environ={}, overrides={"database_url": url, "gateway_var_dir": str(tmp_path / "var")}
    )
    clock = SystemClock(settings.zone, dt.date.fromisoformat(TODAY))
    yield url, bootstrap(settings, engine=engine, clock=clock)
    engine.dispose()


def upload_files(daemon: Daemon, key: Path, directory: Path) -> None:
    """Five uploads: an accepted CAD, the same version with other content (rejected), three more."""
    files = {
        "1-accepted.edi": cad_interchange("000001", cad_message()),
        "2-rejected.edi": cad_interchange("000002", cad_message(value="2000.00")),
        "3-held.edi": cad_interchange("000003", cad_message(transaction="10207003000585")),
        "4-waiting.edi": b"UNA:+.? 'waiting",
        "5-waiting.edi": b"UNA:+.? 'waiting too",
    }
    for name, data in files.items():
        (directory / name).write_bytes(data)
    sftp(daemon.sftp_port, key, "".join(f"put {name} inbox/{name}\n" for name in files), directory)


def move_the_queue(system: System) -> None:
    """Process the first two files through the real worker path, and hold the third as after a failure."""
    assert [summary.status for summary in files(system)] == [FileStatus.RECEIVED.value] * 5
    for _ in range(2):
        assert process_next(system, file_processor(system.clock, system.settings.zone))
    third = files(system)[2]
    with system.unit_of_work() as uow:
        uow.queue.hold(
            third.id, error="test: the store went away", retry_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
        )
        uow.commit()


def files(system: System) -> list[FileSummary]:
    with system.unit_of_work() as uow:
        summaries = Operations(uow.connection, system.clock).files(limit=10)
    return sorted(summaries, key=lambda summary: summary.id)


def status_json(url: str, sftp_port: int) -> dict[str, Any]:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "--database-url", url, "status", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "CARM_SFTP_PORT": str(sftp_port)},
    )
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def metric(daemon: Daemon, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(daemon.get("/metrics").decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"{name}{labels} is not in /metrics")


def test_the_dashboard_shows_what_status_says_in_a_real_browser(
    store: tuple[str, System], tmp_path: Path, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, system = store
    register(system)
    key = broker_key(system, tmp_path)
    daemon = Daemon(url, tmp_path)
    try:
        upload_files(daemon, key, tmp_path)
        move_the_queue(system)
        expected = status_json(url, daemon.sftp_port)
        assert expected["queue"] == {
            "uploading": 0,
            "received": 2,
            "processing": 0,
            "held": 1,
            "done": 2,
            "waiting": 3,
        }
        assert metric(daemon, "carm_files_received_total", broker=SENDER) == 5
        assert metric(daemon, "carm_queue_files", state="HELD") == 1

        browser.get(f"http://127.0.0.1:{daemon.http_port}/")
        WebDriverWait(browser, 20).until(
            lambda driver: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded")
        )
        shown = {state: browser.find_element(By.ID, f"queue-{state}").text for state in STATES}
        assert shown == {state: str(expected["queue"][state]) for state in STATES}

        oldest = expected["oldest_waiting"]
        assert oldest["filename"] == "3-held.edi"
        assert (
            f"#{oldest['id']} 3-held.edi from {SENDER}" == browser.find_element(By.ID, "oldest-waiting").text
        )
        totals = expected["throughput"]["totals"]
        for key_name in ("files_accepted", "files_rejected", "cads_accepted", "cads_rejected"):
            element = browser.find_element(By.ID, "total-" + key_name.replace("_", "-"))
            assert element.text == str(totals[key_name]), key_name
        assert (totals["files_accepted"], totals["files_rejected"]) == (1, 1)
        assert browser.find_element(By.ID, "health-database").text == expected["database"]["status"] == "up"
        assert browser.find_element(By.ID, "health-sftp").text == expected["sftp"]["status"] == "up"

        hours = browser.find_elements(By.CSS_SELECTOR, "#throughput-chart g.hour")
        assert len(hours) == 24
        busy = [
            hour
            for hour in hours
            if float(hour.find_element(By.CSS_SELECTOR, "rect.accepted").get_attribute("height")) > 0
        ]
        (hour,) = busy  # the hour the two files were answered in: one accepted, one rejected
        assert (
            hour.find_element(By.TAG_NAME, "title")
            .get_attribute("textContent")
            .endswith("1 accepted, 1 rejected")
        )
        assert float(hour.find_element(By.CSS_SELECTOR, "rect.rejected").get_attribute("height")) > 0
        jobs = [row.get_attribute("id") for row in browser.find_elements(By.CSS_SELECTOR, "#batches tr")]
        assert jobs == [f"batch-{batch['job']}" for batch in expected["batches"]]

        ARTIFACTS.mkdir(exist_ok=True)
        screenshot = ARTIFACTS / "dashboard.png"
        assert browser.save_screenshot(str(screenshot))
        assert screenshot.stat().st_size > 10_000
        shutil.copy(daemon.log, ARTIFACTS / "dashboard-daemon.log")
    finally:
        daemon.stop()
