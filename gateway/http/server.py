"""The HTTP service of the daemon (gateway layer): read-only endpoints on localhost for monitoring.

```
/          the dashboard: one page that fetches /status and draws it (gateway.http.dashboard)
/status    gather_status(system) as JSON (gateway.status)
/metrics   Prometheus text format, from the system's own registry (gateway.metrics)
/healthz   200 when the database answers and the SFTP listener is up, else 503 with the reasons (JSON)
```

Nothing can be changed over HTTP: GET and HEAD only (405 otherwise), unknown paths 404. The standard
library's threading server is enough for a handful of scrapes and an operator's browser; it listens on
`http.host:http.port` (port 0: a free port, logged as `http.listening`).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from gateway.bootstrap import System
from gateway.errors import GatewayError
from gateway.http.dashboard import PAGE
from gateway.logging import get_logger
from gateway.metrics import Metrics
from gateway.status import gather_status
from ledger.errors import StoreUnavailable

log = get_logger(__name__)

JSON: Final = "application/json"
HTML: Final = "text/html; charset=utf-8"
ALLOWED: Final = "GET, HEAD"


class Listener(Protocol):
    """What the health check needs of the SFTP service: whether it listens, and on which port."""

    @property
    def listening(self) -> bool: ...

    @property
    def port(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Response:
    status: HTTPStatus
    content_type: str
    body: bytes

    @classmethod
    def json(cls, document: object, status: HTTPStatus = HTTPStatus.OK) -> Response:
        return cls(status, JSON, json.dumps(document, indent=1).encode())


class Endpoints:
    """What each path answers; no request parsing here, so each is a plain function of the system."""

    def __init__(self, system: System, metrics: Metrics, sftp: Listener | None) -> None:
        self._system = system
        self._metrics = metrics
        self._sftp = sftp
        self.routes: dict[str, Callable[[], Response]] = {
            "/": self.dashboard,
            "/status": self.status,
            "/metrics": self.metrics,
            "/healthz": self.healthz,
        }

    def dashboard(self) -> Response:
        return Response(HTTPStatus.OK, HTML, PAGE.encode())

    def status(self) -> Response:
        return Response.json(gather_status(self._status_system()))

    def metrics(self) -> Response:
        return Response(HTTPStatus.OK, CONTENT_TYPE_LATEST, self._metrics.exposition())

    def healthz(self) -> Response:
        reasons = [reason for reason in (database_problem(self._system), self._sftp_problem()) if reason]
        document = {"status": "unavailable" if reasons else "ok", "reasons": reasons}
        return Response.json(document, HTTPStatus.SERVICE_UNAVAILABLE if reasons else HTTPStatus.OK)

    def _sftp_problem(self) -> str | None:
        if self._sftp is None:
            return "the SFTP service is not running in this daemon"
        return None if self._sftp.listening else "the SFTP listener is not up"

    def _status_system(self) -> System:
        """The system as the status probe should see it: with the SFTP port actually bound (port 0 in the
        settings means "chosen at start-up", which only the running service knows)."""
        if self._sftp is None or not self._sftp.port:
            return self._system
        settings = dataclasses.replace(self._system.settings, sftp_port=self._sftp.port)
        return dataclasses.replace(self._system, settings=settings)


def database_problem(system: System) -> str | None:
    """None when the database answers `SELECT 1`, else why not, in one line."""
    try:
        with system.unit_of_work() as uow:
            uow.connection.execute(text("SELECT 1")).scalar_one()
    except (StoreUnavailable, sa_exc.SQLAlchemyError) as error:
        return "the database does not answer: " + " ".join(str(error).split())[:300]
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    endpoints: Endpoints


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def version_string(self) -> str:
        return "carm-gateway"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        route = self.server.endpoints.routes.get(urlsplit(self.path).path)
        if route is None:
            self._send(Response.json({"error": "not found"}, HTTPStatus.NOT_FOUND), with_body=with_body)
            return
        try:
            response = route()
        except Exception:  # the per-request boundary: a bug answers 500 and is logged, the server goes on
            log.exception("http.failed", path=self.path)
            response = Response.json({"error": "internal error"}, HTTPStatus.INTERNAL_SERVER_ERROR)
        self._send(response, with_body=with_body)

    def _refuse(self) -> None:
        document = {"error": "this interface is read-only: GET and HEAD only"}
        self._send(Response.json(document, HTTPStatus.METHOD_NOT_ALLOWED), with_body=True)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def _send(self, response: Response, *, with_body: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if response.status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", ALLOWED)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http.requested", client=self.client_address[0], request=format % args)


class HttpService:
    """The daemon's HTTP listener, a daemon service."""

    name = "http"

    def __init__(self, system: System, metrics: Metrics, sftp: Listener | None = None) -> None:
        self._system = system
        self._endpoints = Endpoints(system, metrics, sftp)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> None:
        settings = self._system.settings
        try:
            server = _Server((settings.http_host, settings.http_port), _Handler)
        except OSError as error:
            raise GatewayError(
                f"The HTTP endpoints cannot listen on {settings.http_host}:{settings.http_port}: "
                f"{error.strerror or error} (set http.port, or serve --http-port)."
            ) from None
        server.endpoints = self._endpoints
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
        self._thread.start()
        log.info("http.listening", host=settings.http_host, port=self.port)

    def stop(self) -> None:
        """Stop accepting and close the socket (requests in flight run on daemon threads)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
