"""The HTTP face of the simulator: routing, faults acted out on the wire, test hooks."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from logpull.simulator._errors import ApiError, not_found, rate_limited
from logpull.simulator._faults import TRANSPORT_FAULTS, FaultInjector, error_for
from logpull.simulator._quota import MinuteQuota
from logpull.simulator._service import ActivitiesService
from logpull.simulator._settings import SimulatorSettings
from logpull.simulator._stats import StatsRecorder
from logpull.simulator._store import EventStore

LIST_PREFIX = "/admin/reports/v1/activity/users/"
_JSON = "application/json; charset=UTF-8"
_ROUTE_SEGMENTS = 3  # {userKey}/applications/{applicationName}


@dataclass(frozen=True, slots=True)
class SimulatorCore:
    """Everything a request handler needs; shared by all handler threads."""

    settings: SimulatorSettings
    store: EventStore
    service: ActivitiesService
    faults: FaultInjector
    stats: StatsRecorder
    quota: MinuteQuota | None = None
    clock: Callable[[], float] = time.time


class WireServer(ThreadingHTTPServer):
    """The threading HTTP server every simulator runs on (IPv4 or IPv6 by ``address``).

    Quiet about clients hanging up, and ``server_close`` also cuts open keep-alive
    connections. Subclasses pass their ``WireHandler`` subclass and carry their own state.
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` (``http://[HOST]:PORT`` for IPv6) of the listening socket."""
        host, port = self.server_address[:2]
        shown = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-response are expected here; stay quiet."""

    def track(self, connection: socket.socket, *, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(connection)
            else:
                self._open.discard(connection)

    def server_close(self) -> None:
        """Also cut keep-alive connections, so a stopped simulator really stops answering."""
        super().server_close()
        with self._open_lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class SimulatorHTTPServer(WireServer):
    def __init__(self, address: tuple[str, int], core: SimulatorCore) -> None:
        super().__init__(address, SimulatorHandler)
        self.core = core


class WireHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler basics shared by the simulators: no logging, no Nagle
    delay, connection tracking, and the wire primitives ``_send`` and ``_reset``."""

    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""
    timeout = 120.0  # idle keep-alive connections end after this many seconds
    content_type = _JSON
    server: WireServer

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every small response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, is_open=True)

    def finish(self) -> None:
        self.server.track(self.connection, is_open=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """No per-request logging."""

    def _send(
        self,
        status: int,
        body: bytes,
        *,
        headers: tuple[tuple[str, str], ...] = (),
        cut: int | None = None,
    ) -> None:
        """Answer with ``body``; with ``cut``, send only that many bytes and hang up."""
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])
        if cut is not None:
            self.close_connection = True

    def _query(self) -> tuple[str, list[tuple[str, str]], dict[str, str]]:
        """Path, query pairs as sent, and the query as a dict (first value of a name wins)."""
        parts = urlsplit(self.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        params: dict[str, str] = {}
        for name, value in pairs:
            params.setdefault(name, value)
        return parts.path, pairs, params

    def _test_hook(self, path: str, truth: Callable[[], list[bytes]], stats: StatsRecorder) -> bool:
        """Answer ``GET /_sim/truth`` and ``GET /_sim/stats``; ``False`` for other paths."""
        if path == "/_sim/truth":
            self._send(200, b'{"items":[' + b",".join(truth()) + b"]}")
        elif path == "/_sim/stats":
            self._send(200, json.dumps(stats.snapshot()).encode())
        else:
            return False
        return True

    @staticmethod
    def _draw_fault(latency: float, faults: FaultInjector, stats: StatsRecorder) -> str | None:
        """Wait out ``page_latency``, then draw this request's fault (counted if any)."""
        if latency > 0:
            time.sleep(latency)
        fault = faults.draw()
        if fault is not None:
            stats.fault(fault)
        return fault

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response at all."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.rfile.close()  # the socket really closes once its last file object does


class SimulatorHandler(WireHandler):
    server: SimulatorHTTPServer

    def do_GET(self) -> None:
        path, _, params = self._query()
        core = self.server.core
        route = _list_route(path)
        if route is not None:
            self._activities_list(route[0], route[1], params)
        elif not self._test_hook(
            path, lambda: core.store.truth_blobs(params.get("applicationName")), core.stats
        ):
            self._send_error(not_found(path))

    def _not_allowed(self) -> None:
        self._send_error(ApiError(405, "Method Not Allowed", "httpMethodNotAllowed"))

    do_POST = do_PUT = do_PATCH = do_DELETE = _not_allowed

    def _activities_list(self, user_key: str, application: str, params: dict[str, str]) -> None:
        core = self.server.core
        core.stats.request()
        if core.quota is not None and not core.quota.allows(core.clock()):
            core.stats.refused()
            self._send_error(rate_limited(core.settings.retry_after))
            return
        fault = self._draw_fault(core.settings.page_latency, core.faults, core.stats)
        if fault is not None:
            self._act_out(fault, user_key, application, params)
            return
        try:
            body = core.service.list_page(user_key, application, params)
        except ApiError as error:
            self._send_error(error)
            return
        self._send(200, body)

    def _act_out(self, fault: str, user_key: str, application: str, params: dict[str, str]) -> None:
        if fault not in TRANSPORT_FAULTS:
            self._send_error(error_for(fault, self.server.core.settings.retry_after))
        elif fault == "not_json":
            self._send(200, b"<html>oops</html>")
        elif fault == "truncated":
            try:
                body = self.server.core.service.list_page(
                    user_key, application, params, record=False
                )
            except ApiError as error:
                body = error.body()
            self._send(200, body, cut=len(body) // 2)
        else:
            self._reset()

    def _send_error(self, error: ApiError) -> None:
        self._send(error.code, error.body(), headers=error.headers)


def _list_route(path: str) -> tuple[str, str] | None:
    """``(userKey, applicationName)`` of an activities.list path, else ``None``."""
    if not path.startswith(LIST_PREFIX):
        return None
    rest = path[len(LIST_PREFIX) :].split("/")
    if len(rest) != _ROUTE_SEGMENTS or rest[1] != "applications" or not rest[0] or not rest[2]:
        return None
    return unquote(rest[0]), unquote(rest[2])
