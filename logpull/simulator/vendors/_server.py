"""The HTTP face of every vendor fake, and the simulator object tests hold.

``VendorSimulator`` generates its streams in the constructor (deterministic by seed),
serves them on 127.0.0.1 on an ephemeral port (``start()`` returns the base url) and
answers ``ground_truth()``, ``visible_truth()``, ``stats()`` and ``requests()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any, ClassVar, Generic

from logpull.simulator._http import WireHandler, WireServer
from logpull.simulator._simulator import ServedSimulator
from logpull.simulator.vendors._app import Request, Served, SettingsT, VendorApp

_MAX_BODY = 1 << 20


class VendorHTTPServer(WireServer):
    def __init__(self, address: tuple[str, int], app: VendorApp[Any]) -> None:
        super().__init__(address, VendorHandler)
        self.app = app


class VendorHandler(WireHandler):
    server: VendorHTTPServer
    content_type = "application/json; charset=utf-8"

    def date_time_string(self, timestamp: float | None = None) -> str:
        """``Date`` reads the simulator clock, like the rate-limit reset headers."""
        return formatdate(self.server.app.clock() if timestamp is None else timestamp, usegmt=True)

    def _handle(self) -> None:
        path, pairs, _ = self._query()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, _MAX_BODY)) if length else b""
        host = self.headers.get("Host") or self.server.base_url.removeprefix("http://")
        request = Request(
            method=self.command,
            path=path,
            pairs=pairs,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        response = self.server.app.dispatch(request)
        if response.reset:
            self._reset()
            return
        self._send(response.status, response.body, headers=response.headers, cut=response.cut)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class VendorSimulator(ServedSimulator[SettingsT], Generic[SettingsT]):
    """A vendor fake over real HTTP. Subclasses set ``identity`` (the event's identity
    field, as the vendor names it) and build their app in ``_build``."""

    identity: ClassVar[str] = "id"

    def __init__(self, settings: SettingsT, clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings, clock)
        self.app = self._build(settings, clock)

    def _build(self, settings: SettingsT, clock: Callable[[], float]) -> VendorApp[SettingsT]:
        raise NotImplementedError

    def _make_server(self, host: str, port: int) -> VendorHTTPServer:
        return VendorHTTPServer((host, port), self.app)

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.app.streams)

    def ground_truth(self, stream: str | None = None) -> list[dict[str, Any]]:
        """Every generated event (visible or not) as served, ascending by (time, id)."""
        return [e.body for e in self.app.truth(stream)]

    def visible_truth(
        self, stream: str | None = None, at: float | None = None
    ) -> list[dict[str, Any]]:
        """The events visible at clock time ``at`` (default: now), same order."""
        return [e.body for e in self.app.truth(stream, self._clock() if at is None else at)]

    def late_events(self, stream: str | None = None, after: float = 60.0) -> list[dict[str, Any]]:
        """Events that became visible more than ``after`` seconds after their own time."""
        return [e.body for e in self.app.truth(stream) if e.visible_at - e.time_ms / 1000 > after]

    def stats(self) -> dict[str, Any]:
        """``requests``, ``pages``, ``items_served``, ``faults`` (per kind), ``statuses``,
        ``rate_limited`` (real refusals, not drawn faults); also ``GET /_sim/stats``."""
        return self.app.stats.snapshot()

    def requests(self) -> list[Served]:
        """Every list request so far, in arrival order."""
        with self.app.stats.lock:
            return list(self.app.stats.log)
