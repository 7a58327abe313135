"""Alerts: what `decide_alerts` calls for (pure, no network), sending each alert once while it lasts, and
delivery to a real webhook (a local HTTP server) and a real SMTP server (a small one on a loopback port)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socketserver
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from domain.clock import FixedClock
from gateway.alerts import (
    Alert,
    AlertService,
    BrokerFiles,
    Email,
    Facts,
    Thresholds,
    Webhook,
    broker_files,
    channels_of,
    decide_alerts,
    remembered,
    still_to_send,
)
from gateway.bootstrap import System
from gateway.pipeline import file_processor
from gateway.workers import process_next
from schedules.calendar import PlannedRun
from tests.gateway.cad_files import SENDER, register

NOW = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)
THRESHOLDS = Thresholds(
    waiting=dt.timedelta(minutes=15),
    batch_grace=dt.timedelta(hours=1),
    rejection_rate=0.5,
    rejection_window=dt.timedelta(hours=1),
    rejection_min_files=4,
)


def status(*, oldest_age: int | None = None, batches: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The parts of a status document the alerts read."""
    oldest = None
    if oldest_age is not None:
        oldest = {
            "id": 7,
            "broker": "BROKERA",
            "filename": "a.edi",
            "received_at": "-",
            "age_seconds": oldest_age,
        }
    return {"queue": {"waiting": 3}, "oldest_waiting": oldest, "batches": batches or []}


def last_run(status: str, attempt: int = 1) -> dict[str, Any]:
    return {"status": status, "business_date": "2026-11-19", "attempt": attempt}


def kinds(alerts: list[Alert]) -> list[str]:
    return [alert.kind for alert in alerts]


# What to alert: a pure function of the facts.


def test_a_file_waiting_longer_than_the_threshold_raises_one_alert() -> None:
    assert decide_alerts(Facts(now=NOW, status=status(oldest_age=900)), THRESHOLDS) == []
    (alert,) = decide_alerts(Facts(now=NOW, status=status(oldest_age=901)), THRESHOLDS)
    assert alert.kind == "file-waiting" and alert.details["id"] == 7 and alert.details["waiting"] == 3
    assert "901 seconds" in alert.summary
    assert decide_alerts(Facts(now=NOW, status=status()), THRESHOLDS) == []


def test_a_failed_batch_raises_an_alert_naming_the_job_date_and_attempt() -> None:
    batches = [
        {"job": "interest", "last_run": last_run("failed", attempt=2)},
        {"job": "daily-notices", "last_run": last_run("succeeded")},
        {"job": "statements", "last_run": None},
    ]
    (alert,) = decide_alerts(Facts(now=NOW, status=status(batches=batches)), THRESHOLDS)
    assert alert.kind == "batch-failed" and alert.key == "batch-failed:interest:2026-11-19:2"


def test_a_batch_run_overdue_past_the_grace_raises_an_alert_and_one_within_it_does_not() -> None:
    overdue = [
        PlannedRun(job="interest", business_date=dt.date(2026, 11, 19), due_at=NOW - dt.timedelta(hours=2)),
        PlannedRun(
            job="daily-notices", business_date=dt.date(2026, 11, 19), due_at=NOW - dt.timedelta(minutes=59)
        ),
    ]
    (alert,) = decide_alerts(Facts(now=NOW, status=status(), overdue=overdue), THRESHOLDS)
    assert alert.key == "batch-late:interest:2026-11-19" and alert.details["late_seconds"] == 7200


def test_a_broker_rejected_above_the_rate_raises_an_alert_once_it_sent_enough_files() -> None:
    brokers = [
        BrokerFiles(broker="MOSTLYBAD", answered=4, rejected=3),
        BrokerFiles(broker="HALFBAD", answered=4, rejected=2),  # at the rate, not above it
        BrokerFiles(broker="FEW", answered=3, rejected=3),  # under the minimum number of files
    ]
    (alert,) = decide_alerts(Facts(now=NOW, status=status(), brokers=brokers), THRESHOLDS)
    assert alert.key == "rejection-rate:MOSTLYBAD" and alert.details["rate"] == 0.75


def test_an_alert_is_sent_once_while_it_lasts_and_again_after_it_cleared() -> None:
    waiting = decide_alerts(Facts(now=NOW, status=status(oldest_age=1000)), THRESHOLDS)
    sent: frozenset[str] = frozenset()
    assert still_to_send(waiting, sent) == waiting
    sent = remembered(waiting, sent, delivered=waiting)
    assert still_to_send(waiting, sent) == []  # the next tick: nothing new
    sent = remembered([], sent, delivered=[])  # cleared
    assert still_to_send(waiting, sent) == waiting  # back again: sent again


def test_an_alert_whose_delivery_failed_is_tried_again() -> None:
    waiting = decide_alerts(Facts(now=NOW, status=status(oldest_age=1000)), THRESHOLDS)
    sent = remembered(waiting, frozenset(), delivered=[])
    assert still_to_send(waiting, sent) == waiting


def test_alerts_are_off_unless_a_webhook_or_an_smtp_server_is_set(system: System) -> None:
    assert channels_of(system.settings) == []
    settings = dataclasses.replace(
        system.settings,
        alerts_webhook_url="http://127.0.0.1:9/hook",
        alerts_smtp_host="127.0.0.1",
        alerts_smtp_to=("ops@example.org",),
    )
    assert [channel.name for channel in channels_of(settings)] == ["webhook", "email"]


# Delivery, against real servers on loopback ports.


class Hook:
    """A local HTTP server that records the JSON bodies POSTed to it; answers `codes` in turn, then 204."""

    def __init__(self, codes: list[int] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.codes = list(codes or [])
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                assert self.headers["Content-Type"] == "application/json"
                hook.bodies.append(json.loads(body))
                self.send_response(hook.codes.pop(0) if hook.codes else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


class SmtpSink(socketserver.ThreadingTCPServer):
    """A small SMTP server (RFC 5321's commands a client needs to send one message) keeping what it got."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        super().__init__(("127.0.0.1", 0), SmtpSession)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class SmtpSession(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sender, recipients = "", []
        self.reply("220 sink ESMTP")
        for raw in self.rfile:
            command = raw.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip(" <>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                for data in self.rfile:
                    if data == b".\r\n":
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.messages.append((sender, recipients, b"".join(lines)))
                self.reply("250 stored")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


def a_waiting_alert() -> list[Alert]:
    return decide_alerts(Facts(now=NOW, status=status(oldest_age=1000)), THRESHOLDS)


def test_the_webhook_receives_the_alerts_as_json(hook: Hook) -> None:
    Webhook(hook.url).send(a_waiting_alert(), NOW)
    (body,) = hook.bodies
    assert body["source"] == "carm-gateway" and body["generated_at"] == NOW.isoformat()
    (alert,) = body["alerts"]
    assert alert["kind"] == "file-waiting" and alert["key"] == "file-waiting"
    assert alert["details"]["filename"] == "a.edi"


def test_the_email_goes_through_a_real_smtp_server() -> None:
    sink = SmtpSink()
    try:
        port = sink.server_address[1]
        Email("127.0.0.1", port, "gateway@example.org", ("ops@example.org", "duty@example.org")).send(
            a_waiting_alert(), NOW
        )
    finally:
        sink.shutdown()
        sink.server_close()
    ((sender, recipients, data),) = sink.messages
    assert sender == "gateway@example.org" and recipients == ["ops@example.org", "duty@example.org"]
    message = message_from_bytes(data)
    assert message["Subject"].startswith("[carm-gateway] File 7 (a.edi from BROKERA) has waited 1000 seconds")
    assert "a.edi" in message.get_payload()


# The service, on the real store: facts gathered, alerts decided, each sent once.


def alerting(system: System, url: str) -> System:
    settings = dataclasses.replace(
        system.settings,
        alerts_webhook_url=url,
        alerts_waiting_seconds=600.0,
        alerts_batch_grace=365
        * 86400.0,  # batches have never run on this store: not what these tests are for
        alerts_rejection_min_files=3,
    )
    return dataclasses.replace(system, settings=settings)


def receive(system: System, data: bytes) -> int:
    with system.unit_of_work() as uow:
        file_id = uow.files.receive(sender_id=SENDER, filename="f.edi", raw=data)
        uow.commit()
    return file_id


def test_the_service_alerts_a_waiting_file_once_and_again_when_it_comes_back(
    system: System, hook: Hook
) -> None:
    system = alerting(system, hook.url)
    register(system)
    service = AlertService(system, channels_of(system.settings))
    receive(dataclasses.replace(system, clock=FixedClock(NOW - dt.timedelta(minutes=11))), b"first")
    assert kinds(service.evaluate()) == ["file-waiting"]
    assert service.evaluate() == []  # still waiting: not sent again
    assert len(hook.bodies) == 1
    assert process_next(system, file_processor(system.clock, system.settings.zone))
    assert service.evaluate() == []  # cleared
    receive(dataclasses.replace(system, clock=FixedClock(NOW - dt.timedelta(minutes=20))), b"second")
    assert kinds(service.evaluate()) == ["file-waiting"]
    assert [body["alerts"][0]["kind"] for body in hook.bodies] == ["file-waiting", "file-waiting"]


def test_the_service_alerts_a_broker_whose_files_are_mostly_rejected(system: System, hook: Hook) -> None:
    system = alerting(system, hook.url)
    register(system)
    for number in range(3):
        receive(system, f"not an interchange {number}".encode())
        assert process_next(system, file_processor(system.clock, system.settings.zone))
    assert broker_files(system, since=NOW - dt.timedelta(hours=1)) == [
        BrokerFiles(broker=SENDER, answered=3, rejected=3)
    ]
    (alert,) = AlertService(system, channels_of(system.settings)).evaluate()
    assert alert.key == f"rejection-rate:{SENDER}"
    assert hook.bodies[0]["alerts"][0]["details"]["rejected"] == 3


def test_a_failed_webhook_delivery_is_tried_again_on_the_next_evaluation(system: System) -> None:
    flaky = Hook(codes=[500])
    try:
        system = alerting(system, flaky.url)
        register(system)
        service = AlertService(system, channels_of(system.settings))
        receive(dataclasses.replace(system, clock=FixedClock(NOW - dt.timedelta(hours=1))), b"waiting")
        assert service.evaluate() == []  # the webhook answered 500: not delivered
        assert kinds(service.evaluate()) == ["file-waiting"]
        assert service.evaluate() == []
        assert len(flaky.bodies) == 2
    finally:
        flaky.close()


def test_a_batch_never_run_long_after_it_fell_due_is_alerted(system: System, hook: Hook) -> None:
    system = alerting(system, hook.url)
    system = dataclasses.replace(
        system, settings=dataclasses.replace(system.settings, alerts_batch_grace=3600.0)
    )
    alerts = AlertService(system, channels_of(system.settings)).evaluate()
    # The clock stands at 2026-11-20 09:30 in Toronto: interest for the 19th fell due at 00:15.
    assert "batch-late:interest:2026-11-19" in [alert.key for alert in alerts]


def test_the_running_service_evaluates_on_its_interval_until_stopped(system: System, hook: Hook) -> None:
    system = alerting(system, hook.url)
    system = dataclasses.replace(system, settings=dataclasses.replace(system.settings, alerts_interval=1.0))
    register(system)
    receive(dataclasses.replace(system, clock=FixedClock(NOW - dt.timedelta(hours=1))), b"waiting")
    service = AlertService(system, channels_of(system.settings))
    service.start()
    try:
        deadline = time.monotonic() + 15
        while not hook.bodies and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.stop()
    assert [alert["kind"] for alert in hook.bodies[0]["alerts"]] == ["file-waiting"]
