"""Alerts (gateway layer): tell an operator, by webhook and/or e-mail, when files wait too long, a batch
failed or is late, or a broker's files are mostly rejected.

Every `alerts.interval` seconds the `AlertService` gathers the facts — the status document
(`gateway.status`), each broker's answered and rejected files over the window, the batch runs overdue
(`schedules.catch_up.due_runs`) — and `decide_alerts`, a pure function, says what is wrong now. An alert is
sent once, when it starts: `still_to_send` keeps back those already delivered, and an alert whose condition
clears is forgotten, so it is sent again if the condition comes back. A delivery that fails is tried again on
the next evaluation. Off unless `alerts.webhook_url` or `alerts.smtp_host` is set.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import threading
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Final, Protocol

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from gateway.bootstrap import System
from gateway.logging import get_logger
from gateway.settings import Settings
from gateway.status import ACCEPTED_OUTCOMES, REJECTED_OUTCOMES, gather_status
from ledger.errors import StoreUnavailable
from ledger.schema import broker, inbound_file
from schedules.calendar import SCHEDULES, PlannedRun, business_now
from schedules.catch_up import due_runs

log = get_logger(__name__)

SOURCE: Final = "carm-gateway"
DELIVERY_TIMEOUT: Final = 10.0  # seconds for a webhook or SMTP server to answer


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """When a condition becomes an alert (the `alerts.*` settings)."""

    waiting: dt.timedelta
    batch_grace: dt.timedelta
    rejection_rate: float
    rejection_window: dt.timedelta
    rejection_min_files: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            waiting=dt.timedelta(seconds=settings.alerts_waiting_seconds),
            batch_grace=dt.timedelta(seconds=settings.alerts_batch_grace),
            rejection_rate=settings.alerts_rejection_rate,
            rejection_window=dt.timedelta(seconds=settings.alerts_rejection_window),
            rejection_min_files=settings.alerts_rejection_min_files,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerFiles:
    """A broker's files answered in the window, and how many of them were rejected."""

    broker: str
    answered: int
    rejected: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the alerts are decided from."""

    now: dt.datetime  # the business instant (Eastern time on the clock's business date), as batches see it
    status: Mapping[str, Any]  # gather_status's document
    brokers: Sequence[BrokerFiles] = ()
    overdue: Sequence[PlannedRun] = ()  # batch runs that fell due and have not run


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    key: str  # the same condition keeps the same key while it lasts
    kind: str  # file-waiting, batch-failed, batch-late, rejection-rate
    summary: str  # one sentence for a subject line or a chat message
    details: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "summary": self.summary, "details": self.details}


def decide_alerts(facts: Facts, thresholds: Thresholds) -> list[Alert]:
    """Every alert the facts call for now (pure)."""
    return [
        *waiting_alerts(facts.status, thresholds),
        *batch_alerts(facts, thresholds),
        *rejection_alerts(facts.brokers, thresholds),
    ]


def waiting_alerts(status: Mapping[str, Any], thresholds: Thresholds) -> list[Alert]:
    oldest = status.get("oldest_waiting")
    if not oldest or oldest["age_seconds"] <= thresholds.waiting.total_seconds():
        return []
    waiting = (status.get("queue") or {}).get("waiting")
    summary = (
        f"File {oldest['id']} ({oldest['filename']} from {oldest['broker']}) has waited "
        f"{oldest['age_seconds']} seconds to be processed; {waiting} files are waiting."
    )
    return [
        Alert(
            key="file-waiting", kind="file-waiting", summary=summary, details={**oldest, "waiting": waiting}
        )
    ]


def batch_alerts(facts: Facts, thresholds: Thresholds) -> list[Alert]:
    alerts: list[Alert] = []
    for batch in facts.status.get("batches", ()):
        last = batch.get("last_run")
        if last and last["status"] == "failed":
            alerts.append(
                Alert(
                    key=f"batch-failed:{batch['job']}:{last['business_date']}:{last['attempt']}",
                    kind="batch-failed",
                    summary=f"Batch {batch['job']} for {last['business_date']} failed "
                    f"(attempt {last['attempt']}).",
                    details={"job": batch["job"], **last},
                )
            )
    for run in facts.overdue:
        late = facts.now - run.due_at
        if late > thresholds.batch_grace:
            alerts.append(
                Alert(
                    key=f"batch-late:{run.job}:{run.business_date.isoformat()}",
                    kind="batch-late",
                    summary=f"Batch {run.job} for {run.business_date.isoformat()} was due at "
                    f"{run.due_at.isoformat()} and has not run.",
                    details={
                        "job": run.job,
                        "business_date": run.business_date.isoformat(),
                        "due_at": run.due_at.isoformat(),
                        "late_seconds": int(late.total_seconds()),
                    },
                )
            )
    return alerts


def rejection_alerts(brokers: Iterable[BrokerFiles], thresholds: Thresholds) -> list[Alert]:
    alerts: list[Alert] = []
    for files in brokers:
        if files.answered < thresholds.rejection_min_files:
            continue
        rate = files.rejected / files.answered
        if rate > thresholds.rejection_rate:
            window = int(thresholds.rejection_window.total_seconds())
            alerts.append(
                Alert(
                    key=f"rejection-rate:{files.broker}",
                    kind="rejection-rate",
                    summary=f"Broker {files.broker} had {files.rejected} of {files.answered} files rejected "
                    f"in the last {window} seconds ({rate:.0%}).",
                    details={
                        "broker": files.broker,
                        "answered": files.answered,
                        "rejected": files.rejected,
                        "rate": round(rate, 4),
                        "window_seconds": window,
                    },
                )
            )
    return alerts


def still_to_send(alerts: Sequence[Alert], sent: frozenset[str]) -> list[Alert]:
    """The alerts not delivered yet while their condition lasts (pure)."""
    return [alert for alert in alerts if alert.key not in sent]


def remembered(alerts: Sequence[Alert], sent: frozenset[str], delivered: Sequence[Alert]) -> frozenset[str]:
    """The keys to keep back next time: those delivered and still current (a cleared one is forgotten)."""
    current = {alert.key for alert in alerts}
    return frozenset((sent | {alert.key for alert in delivered}) & current)


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, alerts: Sequence[Alert], generated_at: dt.datetime) -> None: ...


def payload(alerts: Sequence[Alert], generated_at: dt.datetime) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "generated_at": generated_at.astimezone(dt.UTC).isoformat(),
        "alerts": [alert.document() for alert in alerts],
    }


@dataclass(frozen=True, slots=True)
class Webhook:
    """A JSON POST of the alerts to a URL (a chat or incident tool's incoming webhook)."""

    url: str
    name: str = "webhook"

    def send(self, alerts: Sequence[Alert], generated_at: dt.datetime) -> None:
        body = json.dumps(payload(alerts, generated_at)).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT) as answer:  # the operator's own URL
            answer.read()


@dataclass(frozen=True, slots=True)
class Email:
    """One e-mail listing the alerts, through a plain SMTP server (a local relay)."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    name: str = "email"

    def send(self, alerts: Sequence[Alert], generated_at: dt.datetime) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        more = f" (and {len(alerts) - 1} more)" if len(alerts) > 1 else ""
        message["Subject"] = f"[{SOURCE}] {alerts[0].summary}{more}"
        lines = [f"{alert.summary}\n  {json.dumps(alert.details, sort_keys=True)}" for alert in alerts]
        message.set_content(
            f"Alerts at {generated_at.astimezone(dt.UTC).isoformat()}:\n\n" + "\n\n".join(lines)
        )
        with smtplib.SMTP(self.host, self.port, timeout=DELIVERY_TIMEOUT) as smtp:
            smtp.send_message(message)


def channels_of(settings: Settings) -> list[Channel]:
    """The channels the settings configure (none: alerts are off)."""
    channels: list[Channel] = []
    if settings.alerts_webhook_url:
        channels.append(Webhook(settings.alerts_webhook_url))
    if settings.alerts_smtp_host and settings.alerts_smtp_to:
        channels.append(
            Email(
                settings.alerts_smtp_host,
                settings.alerts_smtp_port,
                settings.alerts_smtp_from,
                settings.alerts_smtp_to,
            )
        )
    return channels


def gather_facts(system: System, thresholds: Thresholds) -> Facts:
    """The status document, the brokers' files over the window and the overdue batch runs."""
    status = gather_status(system)
    if status["database"]["status"] != "up":
        return Facts(now=business_now(system.clock), status=status)
    brokers = broker_files(system, since=system.clock.now() - thresholds.rejection_window)
    overdue = due_runs(system, start_date=system.settings.batches_start_date, schedules=SCHEDULES)
    return Facts(now=business_now(system.clock), status=status, brokers=brokers, overdue=overdue)


def broker_files(system: System, *, since: dt.datetime) -> list[BrokerFiles]:
    """Each broker's files answered since `since` (outcomes as the status document counts them)."""
    counted = ACCEPTED_OUTCOMES | REJECTED_OUTCOMES
    query = (
        select(broker.c.sender_id, inbound_file.c.outcome, func.count())
        .join(broker, broker.c.id == inbound_file.c.broker_id)
        .where(inbound_file.c.processed_at >= since.astimezone(dt.UTC), inbound_file.c.outcome.in_(counted))
        .group_by(broker.c.sender_id, inbound_file.c.outcome)
    )
    answered: dict[str, int] = {}
    rejected: dict[str, int] = {}
    with system.unit_of_work() as uow:
        for sender, outcome, count in uow.connection.execute(query):
            answered[sender] = answered.get(sender, 0) + count
            if outcome in REJECTED_OUTCOMES:
                rejected[sender] = rejected.get(sender, 0) + count
    return [
        BrokerFiles(broker=b, answered=n, rejected=rejected.get(b, 0)) for b, n in sorted(answered.items())
    ]


class AlertService:
    """Evaluates the alerts every `alerts.interval` seconds and sends the new ones; a daemon service."""

    name = "alerts"

    def __init__(self, system: System, channels: Sequence[Channel]) -> None:
        self._system = system
        self._channels = list(channels)
        self._thresholds = Thresholds.from_settings(system.settings)
        self._sent: frozenset[str] = frozenset()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._system.settings.alerts_interval):
            try:
                self.evaluate()
            except Exception:  # the per-evaluation boundary: a bug here must not stop the daemon
                log.exception("alerts.evaluation_failed")

    def evaluate(self) -> list[Alert]:
        """Gather, decide, send what is new; the alerts delivered this time."""
        try:
            facts = gather_facts(self._system, self._thresholds)
        except (StoreUnavailable, sa_exc.SQLAlchemyError) as error:
            log.warning("alerts.store_unavailable", reason=" ".join(str(error).split())[:300])
            return []
        alerts = decide_alerts(facts, self._thresholds)
        fresh = still_to_send(alerts, self._sent)
        delivered = self._deliver(fresh, facts.now) if fresh else []
        self._sent = remembered(alerts, self._sent, delivered)
        return delivered

    def _deliver(self, alerts: Sequence[Alert], generated_at: dt.datetime) -> list[Alert]:
        """Send on every channel; delivered when at least one channel took them."""
        took = False
        for channel in self._channels:
            try:
                channel.send(alerts, generated_at)
            except (OSError, smtplib.SMTPException) as error:
                log.warning("alerts.delivery_failed", channel=channel.name, reason=str(error))
                continue
            took = True
        for alert in alerts:
            log.warning("alert.raised", kind=alert.kind, key=alert.key, summary=alert.summary, sent=took)
        return list(alerts) if took else []

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=DELIVERY_TIMEOUT * 2)
            self._thread = None
