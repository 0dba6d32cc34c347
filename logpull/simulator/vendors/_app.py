"""What every vendor fake does around its own list endpoint: request log and counters,
rate-limit window, page latency, fault draws, the credential check, and the test hooks.

A vendor subclasses ``VendorApp`` and implements ``route`` (is this one of its list
paths?), ``list_page`` (the answer) and its error bodies (``unauthorized``,
``rate_limited``, ``server_error``, ``not_found``); ``rate_headers`` adds its rate-limit
headers to every answer.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from logpull.simulator._faults import FaultInjector
from logpull.simulator.vendors._ratelimit import RateState, WindowQuota
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import Event, EventLog

Headers = tuple[tuple[str, str], ...]
SettingsT = TypeVar("SettingsT", bound=VendorSettings)
UNLIMITED = 100_000  # the budget the headers show when no rate_limit is set


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    pairs: list[tuple[str, str]]  # query parameters as sent, in order
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # http://host:port as the client addressed it

    @property
    def params(self) -> dict[str, str]:
        """The query as a dict; the first value of a repeated name wins."""
        found: dict[str, str] = {}
        for name, value in self.pairs:
            found.setdefault(name, value)
        return found

    def json_body(self) -> Any:
        """The JSON body; ``ValueError`` if it is not JSON."""
        return json.loads(self.body or b"null")


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: Headers = ()
    cut: int | None = None  # send only this many body bytes, then hang up
    reset: bool = False  # no response at all: a TCP RST

    @classmethod
    def json(cls, status: int, payload: Any, headers: Headers = ()) -> Response:
        return cls(status, json.dumps(payload, separators=(",", ":")).encode(), headers)


@dataclass(frozen=True, slots=True)
class Served:
    """One list request as the fake saw it (for tests): what was asked and answered."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    status: int
    items: int
    fault: str | None
    at: float


@dataclass
class VendorStats:
    """Counters of list requests (test hooks ``/_sim/stats`` and ``sim.stats()``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[Served] = field(default_factory=list)

    def record(self, served: Served) -> None:
        with self.lock:
            self.log.append(served)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            log = list(self.log)
        faults: dict[str, int] = {}
        statuses: dict[str, int] = {}
        for served in log:
            statuses[str(served.status)] = statuses.get(str(served.status), 0) + 1
            if served.fault is not None:
                faults[served.fault] = faults.get(served.fault, 0) + 1
        ok = [s for s in log if s.status == 200 and s.fault is None]  # noqa: PLR2004
        return {
            "requests": len(log),
            "pages": len(ok),
            "items_served": sum(s.items for s in ok),
            "faults": faults,
            "statuses": statuses,
            "rate_limited": sum(1 for s in log if s.fault is None and s.status in (403, 429)),
        }


class VendorApp(Generic[SettingsT]):
    """The request pipeline of a vendor fake; safe to share between handler threads."""

    rate_window: float = 60.0  # seconds of the vendor's rate-limit window
    # The vendor's published budget per window (README); the fake enforces and shows
    # ``settings.rate_limit`` instead, and without one shows ``UNLIMITED`` so that a
    # client pacing itself by the headers is not slowed down in tests.
    documented_limit: int = 1000

    def __init__(
        self,
        settings: SettingsT,
        streams: dict[str, EventLog],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.streams = streams
        self.clock = clock
        self.stats = VendorStats()
        self.quota = WindowQuota(settings.rate_limit, self.rate_window, UNLIMITED)
        self._faults = FaultInjector(settings.seed, settings.fault_rate, settings.fault_kinds)

    # -- what a vendor implements ------------------------------------------------------

    def route(self, request: Request) -> str | None:
        """The stream a list request reads, or None if ``request`` is not one."""
        raise NotImplementedError

    def authorized(self, request: Request) -> bool:
        """Default: ``Authorization: Bearer <token>``."""
        scheme, _, secret = request.headers.get("authorization", "").strip().partition(" ")
        return scheme.lower() == "bearer" and secret.strip() == self.settings.token

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        """The fault-free answer and how many items it carries."""
        raise NotImplementedError

    def unauthorized(self) -> Response:
        raise NotImplementedError

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        """The vendor's rate-limit answer; ``wait``: whole seconds until it may retry."""
        raise NotImplementedError

    def server_error(self, status: int) -> Response:
        raise NotImplementedError

    def not_found(self, request: Request) -> Response:
        return Response.json(404, {"error": "not_found"})

    def rate_headers(self, rate: RateState) -> Headers:
        return ()

    def fault(self, kind: str, request: Request, rate: RateState) -> Response:
        """The answer of a drawn fault; vendors add their own kinds (GitHub's 403)."""
        if kind == "429":
            wait = max(1, math.ceil(self.settings.retry_after))
            return self.rate_limited(self.quota.exhausted(self.clock()), wait)
        if kind in ("500", "502", "503"):
            return self.server_error(int(kind))
        if kind == "reset":
            return Response(0, b"", reset=True)
        raise ValueError(f"unknown fault kind {kind!r}")

    # -- the pipeline ---------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        if request.path == "/_sim/truth":
            return Response.json(200, {"items": [e.body for e in self.truth(None)]})
        if request.path == "/_sim/stats":
            return Response.json(200, self.stats.snapshot())
        stream = self.route(request)
        if stream is None:
            return self.not_found(request)
        response, items, fault = self._answer(stream, request)
        self.stats.record(
            Served(request.method, request.path, request.params, _body_of(request),
                   response.status, items, fault, self.clock())
        )  # fmt: skip
        return response

    def _answer(self, stream: str, request: Request) -> tuple[Response, int, str | None]:
        rate = self.quota.take(self.clock())
        if self.settings.page_latency > 0:
            time.sleep(self.settings.page_latency)
        fault = self._faults.draw()
        if fault is not None:
            return self._with_rate(self.fault(fault, request, rate), rate), 0, fault
        if not self.authorized(request):
            return self._with_rate(self.unauthorized(), rate), 0, None
        if rate.exceeded:
            wait = max(1, math.ceil(rate.reset - self.clock()))
            return self._with_rate(self.rate_limited(rate, wait), rate), 0, None
        response, items = self.list_page(stream, request)
        return self._with_rate(response, rate), items, None

    def _with_rate(self, response: Response, rate: RateState) -> Response:
        if response.reset:
            return response
        names = {name.lower() for name, _ in response.headers}
        extra = tuple(h for h in self.rate_headers(rate) if h[0].lower() not in names)
        return Response(response.status, response.body, (*response.headers, *extra))

    def truth(self, stream: str | None, at: float | None = None) -> list[Event]:
        """Every event of ``stream`` (None: all streams), ascending by (time, id)."""
        chosen = self.streams.values() if stream is None else [self.streams[stream]]
        events = [e for log in chosen for e in log.truth(at)]
        return sorted(events, key=lambda e: e.position)


def _body_of(request: Request) -> Any:
    try:
        return request.json_body()
    except ValueError:
        return request.body.decode("utf-8", "replace")
