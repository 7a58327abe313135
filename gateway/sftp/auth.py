"""SFTP logins (gateway layer): public-key authentication of brokers and a throttle on failed logins.

The user name is the broker's EDI sender id (MIG.md §5); the key must be one registered with
`broker key-add`. Only public keys are offered. An address with too many failures in the window is refused
without looking at the key until the window has passed; every failure is logged with its address.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

import paramiko

from gateway.logging import get_logger

log = get_logger(__name__)


class LoginThrottle:
    """Counts failed logins per source address over a sliding window."""

    def __init__(
        self, *, max_failures: int, window: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_failures
        self._window = window
        self._now = now
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def allows(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address)) < self._max

    def record_failure(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self._now())

    def _recent(self, address: str) -> collections.deque[float]:
        failures = self._failures.setdefault(address, collections.deque())
        horizon = self._now() - self._window
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures


AUTH_SUCCESSFUL: int = paramiko.AUTH_SUCCESSFUL
AUTH_FAILED: int = paramiko.AUTH_FAILED
OPEN_SUCCEEDED: int = paramiko.OPEN_SUCCEEDED
OPEN_PROHIBITED: int = paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

KeyLookup = Callable[[str], list[tuple[str, str]]]  # sender id -> [(key type, base64 blob)]


class BrokerLogin(paramiko.ServerInterface):
    """The paramiko server interface of one SSH connection."""

    def __init__(
        self,
        *,
        address: str,
        keys_of: KeyLookup,
        throttle: LoginThrottle,
        on_failure: Callable[[], object] = lambda: None,
    ) -> None:
        self.address = address
        self.sender_id: str | None = None
        self._keys_of = keys_of
        self._throttle = throttle
        self._on_failure = on_failure  # counts the failure (metrics)

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_none(self, username: str) -> int:
        return AUTH_FAILED

    def check_auth_password(self, username: str, password: str) -> int:
        self._fail(username, "password")
        return AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if not self._throttle.allows(self.address):
            log.warning("sftp.login_throttled", address=self.address, user=username)
            self._on_failure()
            return AUTH_FAILED
        if (key.get_name(), key.get_base64()) in self._keys_of(username):
            self.sender_id = username
            return AUTH_SUCCESSFUL
        self._fail(username, "publickey")
        return AUTH_FAILED

    def _fail(self, username: str, method: str) -> None:
        self._throttle.record_failure(self.address)
        self._on_failure()
        log.warning("sftp.login_failed", address=self.address, user=username, method=method)

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session" and self.sender_id is not None:
            return OPEN_SUCCEEDED
        return OPEN_PROHIBITED

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        return name == "sftp" and bool(super().check_channel_subsystem_request(channel, name))
