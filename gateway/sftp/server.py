"""The SFTP service of the daemon (gateway layer): listens, runs one SSH transport per connection, keeps
the host key under `var/`, closes idle sessions, deletes the uploads a dead daemon left half stored, and on
shutdown lets uploads in flight finish."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import paramiko
from sqlalchemy import exc as sa_exc

from gateway.bootstrap import System
from gateway.keys import ed25519_key_file
from gateway.logging import get_logger
from gateway.metrics import Metrics
from gateway.sftp.auth import BrokerLogin, LoginThrottle
from gateway.sftp.filesystem import Activity, Store
from gateway.sftp.session import BrokerFileSystem, GatewaySftpServer
from gateway.status import PROBE_VERSION
from ledger.errors import StoreUnavailable
from ledger.files import Files

log = get_logger(__name__)
T = TypeVar("T")

HANDSHAKE_TIMEOUT = 30.0  # seconds for banner, key exchange and authentication
SHUTDOWN_GRACE = 30.0  # seconds uploads in flight get to finish when the daemon stops
# SSH flow control (RFC 4254 §5.2), measured with bench/sftp.py (docs/BENCHMARKS.md): a channel window of
# 8 MiB instead of paramiko's 2 MiB keeps a broker's client sending while the session thread writes and
# answers, and a maximum packet of 64 KiB carries each write of OpenSSH's client (32 KiB of data and the
# SFTP header) in one SSH packet instead of two, halving the per-packet work (MAC, parsing, locking). The
# window is also the most one session can have received and not yet read: 8 MiB a session at worst.
CHANNEL_WINDOW = 8 * 1024 * 1024
CHANNEL_MAX_PACKET = 64 * 1024
# An upload whose last part was stored longer ago than the larger of these is one whose daemon died: a live
# one stores a part every PART_SIZE bytes, and a session idle for the idle timeout is closed (its upload
# abandoned). Twice the timeout and at least an hour leave a wide margin for slow clients and for clocks of
# other gateway nodes sharing the database, whose live uploads this must never delete.
STALE_UPLOAD_MINIMUM = dt.timedelta(hours=1)
STALE_UPLOAD_SWEEP = 600.0  # seconds between two sweeps of the stale uploads


def host_key(var_dir: Path) -> paramiko.PKey:
    """The server's ed25519 host key, created once and kept, so brokers' known_hosts stay valid."""
    return ed25519_key_file(var_dir / "ssh_host_ed25519_key")


def broker_store(system: System, sender_id: str, metrics: Metrics) -> Store:
    """The file system's view of the database for one broker; each call is its own short transaction."""

    def stored(work: Callable[[Files], T]) -> T:
        # immediate: on SQLite a read-then-write transaction would fail at once if a worker commits between
        with system.unit_of_work(immediate=True) as uow:
            result = work(uow.files)
            uow.commit()
        return result

    def receive(name: str, raw: bytes) -> int:
        file_id = stored(lambda files: files.receive(sender_id=sender_id, filename=name, raw=raw))
        metrics.files_received.labels(broker=sender_id).inc()
        return file_id

    def begin_upload(name: str) -> int:
        return stored(lambda files: files.begin_upload(sender_id=sender_id, filename=name))

    def finish_upload(file_id: int, seq: int, tail: bytes, size: int, sha256: str) -> bool:
        finished = stored(
            lambda files: files.finish_upload(file_id, seq=seq, tail=tail, size=size, sha256=sha256)
        )
        if finished:
            metrics.files_received.labels(broker=sender_id).inc()
        return finished

    def write(operation: str, *args: str) -> bool:
        with system.unit_of_work() as uow:
            done: bool = getattr(uow.files, operation)(sender_id, *args)
            uow.commit()
        return done

    def pending() -> list[tuple[str, int, float]]:
        with system.unit_of_work() as uow:
            return [(name, size, at.timestamp()) for name, size, at in uow.files.pending_uploads(sender_id)]

    def outbox() -> list[tuple[str, int, float]]:
        with system.unit_of_work() as uow:
            return [(e.name, e.size, e.created_at.timestamp()) for e in uow.files.outbox(sender_id)]

    def read(name: str) -> bytes | None:
        with system.unit_of_work() as uow:
            return uow.files.outbound_content(sender_id, name)

    return Store(
        receive=receive,
        # A large upload stored while it arrives (gateway.sftp.filesystem.PartWriter), a transaction a call.
        begin_upload=begin_upload,
        append_part=lambda file_id, seq, data: stored(lambda files: files.append_part(file_id, seq, data)),
        finish_upload=finish_upload,
        abandon_upload=lambda file_id: stored(lambda files: files.abandon_upload(file_id)),
        rename_upload=lambda old, new: write("rename_inbound_named", old, new),
        pending=pending,
        outbox=outbox,
        read=read,
        delete=lambda name: write("delete_outbound", name),
    )


@dataclass(slots=True)
class Session:
    transport: paramiko.Transport
    activity: Activity = field(default_factory=Activity)


class SftpService:
    """The daemon's SFTP listener."""

    name = "sftp"

    def __init__(self, system: System, metrics: Metrics | None = None) -> None:
        settings = system.settings
        self._system = system
        self._settings = settings
        self._metrics = metrics or Metrics()  # a registry of its own when nobody scrapes it
        self._host_key = host_key(settings.gateway_var_dir)
        self._upload_dir = settings.gateway_var_dir / "uploads"
        self._throttle = LoginThrottle(
            max_failures=settings.sftp_max_failed_logins, window=settings.sftp_login_window
        )
        self._sessions: list[Session] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self.port = 0

    def start(self) -> None:
        self._upload_dir.mkdir(parents=True, exist_ok=True)
        self.abandon_stale_uploads()
        listener = socket.create_server(
            (self._settings.sftp_host, self._settings.sftp_port), reuse_port=False
        )
        listener.settimeout(0.5)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._metrics.sftp_sessions_active.set_function(self._active_sessions)
        for target in (self._accept_loop, self._reap_idle_sessions):
            thread = threading.Thread(target=target, name=f"sftp-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("sftp.listening", host=self._settings.sftp_host, port=self.port)

    def _active_sessions(self) -> int:
        """Brokers logged in now (connections that only probe the port, like `status`, do not count)."""
        with self._lock:
            return sum(s.transport.is_active() and s.transport.is_authenticated() for s in self._sessions)

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._stopping.is_set()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                raise
            threading.Thread(target=self._serve, args=(connection, address[0]), daemon=True).start()

    def _serve(self, connection: socket.socket, address: str) -> None:
        transport = paramiko.Transport(
            connection, default_window_size=CHANNEL_WINDOW, default_max_packet_size=CHANNEL_MAX_PACKET
        )
        transport.banner_timeout = transport.auth_timeout = transport.handshake_timeout = HANDSHAKE_TIMEOUT
        transport.add_server_key(self._host_key)
        session = Session(transport)
        transport.set_subsystem_handler(
            "sftp",
            GatewaySftpServer,
            BrokerFileSystem,
            store_for=self._open_session,
            upload_dir=self._upload_dir,
            max_size=self._settings.sftp_max_file_size,
            activity=session.activity,
        )
        login = BrokerLogin(
            address=address,
            keys_of=self._keys_of,
            throttle=self._throttle,
            on_failure=self._metrics.sftp_failed_logins.inc,
        )
        with self._lock:
            self._sessions.append(session)
        try:
            transport.start_server(server=login)
        except (paramiko.SSHException, EOFError, OSError) as error:
            # The health probe of `status` (gateway.status) says who it is and hangs up after the banner.
            probe = str(getattr(transport, "remote_version", "")).startswith(PROBE_VERSION)
            (log.debug if probe else log.info)("sftp.handshake_failed", address=address, reason=str(error))
            transport.close()

    def _open_session(self, sender_id: str) -> Store:
        """A logged-in broker opened the SFTP subsystem: count the session, give it its store."""
        self._metrics.sftp_sessions.inc()
        return broker_store(self._system, sender_id, self._metrics)

    def _keys_of(self, sender_id: str) -> list[tuple[str, str]]:
        with self._system.unit_of_work() as uow:
            return uow.parties.keys_of(sender_id)

    @property
    def stale_upload_cutoff(self) -> dt.timedelta:
        """How long an upload may store no part before it counts as left by a dead daemon."""
        return max(STALE_UPLOAD_MINIMUM, dt.timedelta(seconds=2 * self._settings.sftp_idle_timeout))

    def abandon_stale_uploads(self) -> None:
        """Delete the uploads a killed daemon left UPLOADING; when the store fails, the next sweep does."""
        try:
            with self._system.unit_of_work(immediate=True) as uow:
                abandoned = uow.files.abandon_stale_uploads(self.stale_upload_cutoff)
                uow.commit()
        except (StoreUnavailable, sa_exc.SQLAlchemyError) as error:
            log.warning("upload.stale_sweep_failed", reason=" ".join(str(error).split())[:300])
            return
        if abandoned:
            log.warning("upload.stale_abandoned", file_ids=abandoned, quiet_for=str(self.stale_upload_cutoff))

    def _reap_idle_sessions(self) -> None:
        last_sweep = time.monotonic()
        while not self._stopping.wait(1.0):
            now = time.monotonic()
            if now - last_sweep >= STALE_UPLOAD_SWEEP:
                last_sweep = now
                self.abandon_stale_uploads()
            with self._lock:
                self._sessions = [s for s in self._sessions if s.transport.is_active()]
                idle = [s for s in self._sessions if now - s.activity.last > self._settings.sftp_idle_timeout]
            for session in idle:
                log.info("sftp.session_idle_closed")
                session.transport.close()

    def stop(self) -> None:
        """Stop accepting, give uploads in flight SHUTDOWN_GRACE seconds, then close every session."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        deadline = time.monotonic() + SHUTDOWN_GRACE
        while time.monotonic() < deadline and any(s.activity.open_uploads for s in self._sessions):
            time.sleep(0.1)
        with self._lock:
            for session in self._sessions:
                session.transport.close()
        for thread in self._threads:
            thread.join(timeout=5)
