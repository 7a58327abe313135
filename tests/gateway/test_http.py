"""The HTTP endpoints on both stores: /metrics in the Prometheus format and moving as files go through the
real worker path and the real SFTP server, /healthz following the database and the SFTP listener, /status,
and a read-only surface (405 for anything but GET and HEAD, 404 for unknown paths)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import io
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from domain.clock import FixedClock
from gateway.bootstrap import System, bootstrap
from gateway.errors import GatewayError
from gateway.http.server import HttpService
from gateway.metrics import Metrics
from gateway.pipeline import file_processor
from gateway.sftp.server import SftpService
from gateway.workers import process_next
from tests.gateway.cad_files import SENDER, broker_key, cad_interchange, cad_message, register

JUNE_20 = dt.datetime(2025, 6, 20, 16, 0, tzinfo=dt.UTC)  # the day after the CAD's release


@dataclass
class Running:
    system: System
    metrics: Metrics
    sftp: SftpService
    http: HttpService

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.http.port, timeout=10)
        try:
            connection.request(method, path)
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def samples(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of /metrics by (name, sorted labels), parsed with prometheus_client's own parser."""
        status, headers, body = self.get("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        return self.samples().get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def running(system: System) -> Iterator[Running]:
    settings = dataclasses.replace(system.settings, http_port=0, sftp_port=0)
    wired = dataclasses.replace(system, settings=settings, clock=FixedClock(JUNE_20))
    register(wired)
    metrics = Metrics()
    metrics.watch_store(wired)
    sftp = SftpService(wired, metrics)
    service = HttpService(wired, metrics, sftp)
    sftp.start()
    service.start()
    try:
        yield Running(wired, metrics, sftp, service)
    finally:
        service.stop()
        sftp.stop()


def receive(system: System, data: bytes, name: str = "cad.edi") -> int:
    with system.unit_of_work() as uow:
        file_id = uow.files.receive(sender_id=SENDER, filename=name, raw=data)
        uow.commit()
    return file_id


def test_metrics_parse_and_move_as_a_real_cad_file_is_processed(running: Running) -> None:
    system = running.system
    before = running.samples()
    assert ("carm_files_processed_total", (("broker", SENDER), ("outcome", "accepted"))) not in before
    assert before[("carm_ledger_entries_total", ())] == 0
    assert before[("carm_store_up", ())] == 1
    receive(system, cad_interchange("000001", cad_message()))
    assert running.value("carm_queue_files", state="RECEIVED") == 1
    assert process_next(system, file_processor(system.clock, system.settings.zone), running.metrics)
    after = running.samples()
    assert after[("carm_files_processed_total", (("broker", SENDER), ("outcome", "accepted")))] == 1
    assert after[("carm_cads_total", (("broker", SENDER), ("outcome", "accepted")))] == 1
    assert after[("carm_file_processing_seconds_count", ())] == 1
    assert after[("carm_queue_files", (("state", "RECEIVED"),))] == 0
    assert after[("carm_queue_files", (("state", "DONE"),))] == 1
    assert after[("carm_ledger_entries_total", ())] >= 1


def test_each_file_answered_is_logged_once_as_a_summary(running: Running) -> None:
    two_seconds_earlier = dataclasses.replace(
        running.system, clock=FixedClock(JUNE_20 - dt.timedelta(seconds=2))
    )
    file_id = receive(
        two_seconds_earlier, cad_interchange("000001", cad_message(), cad_message("2", version=2))
    )
    with structlog.testing.capture_logs() as logs:
        assert process_next(
            running.system,
            file_processor(running.system.clock, running.system.settings.zone),
            running.metrics,
        )
    (summary,) = [event for event in logs if event["event"] == "file.summary"]
    assert summary["file_id"] == file_id and summary["sender"] == SENDER
    assert summary["control_reference"] == "000001" and summary["interchange_sender"] == SENDER
    assert summary["transactions"] == ["10207003502332:1", "10207003502332:2"]
    assert (summary["outcome"], summary["cads_accepted"], summary["cads_rejected"]) == ("partial", 1, 1)
    assert summary["responses"] == ["contrl", "cusres"]
    assert summary["received_to_processed_ms"] == 2000 and summary["processing_ms"] > 0


def test_a_rejected_cad_is_counted_with_the_codes_it_was_rejected_for(running: Running) -> None:
    system = running.system
    process = file_processor(system.clock, system.settings.zone)
    receive(system, cad_interchange("000001", cad_message()))
    receive(system, cad_interchange("000002", cad_message(value="2000.00")))  # same version, other content
    assert process_next(system, process, running.metrics)
    assert process_next(system, process, running.metrics)
    samples = running.samples()
    assert samples[("carm_files_processed_total", (("broker", SENDER), ("outcome", "rejected")))] == 1
    assert samples[("carm_cads_total", (("broker", SENDER), ("outcome", "rejected")))] == 1
    codes = [
        dict(labels)["code"]
        for (name, labels), value in samples.items()
        if name == "carm_cad_rejection_findings_total" and value >= 1
    ]
    assert codes, samples


def test_the_oldest_waiting_gauge_is_the_age_of_the_oldest_waiting_file(running: Running) -> None:
    earlier = dataclasses.replace(running.system, clock=FixedClock(JUNE_20 - dt.timedelta(minutes=5)))
    receive(earlier, b"UNA:+.? 'not really")
    assert running.value("carm_queue_oldest_waiting_seconds") == pytest.approx(300, abs=1)


def sftp_client(port: int, key: paramiko.PKey) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        "127.0.0.1", port=port, username=SENDER, pkey=key, look_for_keys=False, allow_agent=False, timeout=10
    )
    return client


def test_sftp_sessions_uploads_and_failed_logins_are_counted(running: Running, tmp_path: Path) -> None:
    key = paramiko.Ed25519Key.from_private_key_file(str(broker_key(running.system, tmp_path)))
    client = sftp_client(running.sftp.port, key)
    try:
        with client.open_sftp() as sftp:
            sftp.putfo(io.BytesIO(cad_interchange("000001", cad_message())), "inbox/one.edi")
            assert running.value("carm_sftp_sessions_active") == 1
    finally:
        client.close()
    assert running.value("carm_files_received_total", broker=SENDER) == 1
    assert running.value("carm_sftp_sessions_total") == 1
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    with pytest.raises(paramiko.AuthenticationException):
        sftp_client(running.sftp.port, paramiko.Ed25519Key.from_private_key_file(str(stranger)))
    assert running.value("carm_sftp_failed_logins_total") == 1


def test_healthz_is_ok_while_the_database_answers_and_sftp_listens(running: Running) -> None:
    status, headers, body = running.get("/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok", "reasons": []})
    assert headers["Content-Type"] == "application/json"


def test_healthz_is_503_with_a_reason_when_the_sftp_listener_is_stopped(running: Running) -> None:
    running.sftp.stop()
    status, _, body = running.get("/healthz")
    assert status == 503
    document = json.loads(body)
    assert document["status"] == "unavailable"
    assert any("SFTP" in reason for reason in document["reasons"]), document


def test_with_the_database_unreachable_healthz_is_503_and_metrics_say_the_store_is_down(
    system: System,
) -> None:
    # A PostgreSQL server where nothing listens (port 1): every connection is refused.
    settings = dataclasses.replace(
        system.settings, http_port=0, database_url="postgresql+psycopg://carm@127.0.0.1:1/carm"
    )
    unreachable = bootstrap(settings, clock=system.clock)
    metrics = Metrics()
    metrics.watch_store(unreachable)
    sftp = SftpService(dataclasses.replace(system, settings=settings), metrics)
    sftp.start()
    running = Running(unreachable, metrics, sftp, HttpService(unreachable, metrics, sftp))
    running.http.start()
    try:
        status, _, body = running.get("/healthz")
        samples = running.samples()
    finally:
        running.http.stop()
        sftp.stop()
        unreachable.engine.dispose()
    assert status == 503
    assert [reason.split(":")[0] for reason in json.loads(body)["reasons"]] == [
        "the database does not answer"
    ]
    assert samples[("carm_store_up", ())] == 0
    assert ("carm_sftp_failed_logins_total", ()) in samples  # what the process counts is still there
    assert not [name for name, _ in samples if name.startswith("carm_queue")]


def test_status_is_the_status_document_with_the_bound_sftp_port(running: Running) -> None:
    receive(running.system, cad_interchange("000001", cad_message()))
    status, headers, body = running.get("/status")
    document = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert document["queue"]["received"] == 1 and document["queue"]["waiting"] == 1
    assert document["sftp"]["port"] == running.sftp.port
    assert document["sftp"]["status"] == "up"
    assert document["database"]["status"] == "up"


def test_the_dashboard_page_is_served_with_no_external_asset(running: Running) -> None:
    status, headers, body = running.get("/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'id="queue-received"' in page and 'fetch("/status"' in page
    assert "http://" not in page.replace('"http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<link" not in page and "src=" not in page


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_anything_but_get_and_head_is_refused(running: Running, method: str) -> None:
    status, headers, _ = running.get("/status", method)
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_head_answers_the_headers_without_a_body_and_unknown_paths_are_404(running: Running) -> None:
    status, headers, body = running.get("/status", "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert running.get("/nowhere")[0] == 404
    assert running.get("/status?x=1")[0] == 200


def test_a_port_already_taken_stops_the_service_with_one_sentence(running: Running) -> None:
    taken = dataclasses.replace(running.system.settings, http_port=running.http.port)
    second = HttpService(dataclasses.replace(running.system, settings=taken), running.metrics)
    with pytest.raises(GatewayError, match=f"cannot listen on 127.0.0.1:{running.http.port}"):
        second.start()
