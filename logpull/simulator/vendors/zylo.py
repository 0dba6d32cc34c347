""" "Zylo Audit": an invented vendor nobody has seen, for configuring ``kind = "http"``
from the README alone. Its contract (README.md of this package, "Zylo Audit API"):

* ``GET /v2/audit/events`` with header ``X-Zylo-Token: <token>`` (401 otherwise).
* ``since`` (epoch seconds, **exclusive**: events with ``occurred > since``), ``until``
  (epoch seconds, inclusive: ``occurred <= until``), ``page_size`` 1..500 (default 50;
  else 400). Event times are whole epoch seconds (``occurred``); identity ``event_id``.
* Oldest first, by ``(occurred, event_id)``.
* ``{"events": [...], "paging": {"next_url": "<absolute URL>" | null}}``: follow
  ``next_url`` as given (it carries only ``page_token``; the window rides in the
  token). A ``page_token`` sent with a different ``since``/``until``/``page_size`` is
  400 ``page_token_mismatch``; an expired one is 410 ``page_token_expired``; a garbled
  one 400 ``invalid_page_token``.
* Every answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
  ``X-RateLimit-Reset`` (epoch seconds of the window's end). Over the budget: 429
  ``{"error": {"code": "rate_limited", ...}}`` **without** ``Retry-After``.
* Errors: ``{"error": {"code": "...", "message": "..."}}``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from logpull.simulator.vendors._app import Headers, Request, Response, VendorApp
from logpull.simulator.vendors._common import USERS, ip, parse_int
from logpull.simulator.vendors._cursor import Cursor, CursorCodec, CursorError
from logpull.simulator.vendors._ratelimit import RateState
from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import generate

EVENTS_PATH = "/v2/audit/events"
MAX_PAGE = 500
DEFAULT_PAGE = 50
_KINDS = ("license.assigned", "license.revoked", "app.discovered", "user.login", "spend.approved")


class ZyloSettings(VendorSettings):
    pass


class ZyloAudit(VendorSimulator[ZyloSettings]):
    identity = "event_id"

    def _build(self, settings: ZyloSettings, clock: Callable[[], float]) -> ZyloApp:
        log = generate(settings, _render, granularity_ms=1000)
        return ZyloApp(settings, {"events": log}, clock)


def _render(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    ident, user = f"evt_{rng.getrandbits(64):016x}", rng.randrange(200)
    name = f"{USERS[user % len(USERS)]}{user}"
    return ident, {
        "event_id": ident, "occurred": time_ms // 1000,
        "kind": _KINDS[rng.randrange(len(_KINDS))],
        "user": {"email": f"{name}@example.com", "ip": ip(rng)},
        "details": {"app": f"app-{rng.randrange(50)}", "seats": rng.randrange(1, 20)},
    }  # fmt: skip


class ZyloApp(VendorApp[ZyloSettings]):
    documented_limit = 120
    codec = CursorCodec(urlsafe=True, prefix="zpt_")

    def route(self, request: Request) -> str | None:
        ok = request.method == "GET" and request.path.rstrip("/") == EVENTS_PATH
        return "events" if ok else None

    def authorized(self, request: Request) -> bool:
        return request.headers.get("x-zylo-token", "").strip() == self.settings.token

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        params = request.params
        try:
            since = parse_int(params.get("since"), -1)
            until = parse_int(params.get("until"), 2**40)
            size = parse_int(params.get("page_size"), DEFAULT_PAGE)
        except ValueError as exc:
            return _error(400, "invalid_parameter", str(exc)), 0
        if not 1 <= size <= MAX_PAGE:
            return _error(400, "invalid_parameter", f"page_size must be 1..{MAX_PAGE}"), 0
        window = {"since": since, "until": until, "size": size}
        after = None
        token = params.get("page_token")
        if token:
            try:
                cursor = self.codec.decode(token, None, self.clock(), self.settings.cursor_ttl)
            except CursorError as exc:
                if exc.reason == "expired":
                    return _error(410, "page_token_expired", "Restart from the first page."), 0
                return _error(400, "invalid_page_token", "The page token is garbled."), 0
            sent = {k: params.get(p) for k, p in (("since", "since"), ("until", "until"),
                                                   ("size", "page_size"))}  # fmt: skip
            if any(v is not None and int(v) != cursor.extra[k] for k, v in sent.items()):
                message = "The page token is for another window."
                return _error(400, "page_token_mismatch", message), 0
            window, after = dict(cursor.extra), cursor.position
        page = self.streams[stream].page(
            (int(window["since"]) + 1) * 1000, int(window["until"]) * 1000 + 999,
            now=self.clock(), limit=int(window["size"]), after=after,
        )  # fmt: skip
        next_url = None
        if page.more and page.last is not None:
            next_token = self.codec.encode(Cursor("z", page.last, self.clock(), window))
            query = urlencode([("page_token", next_token)], quote_via=quote)
            next_url = f"{request.base_url}{EVENTS_PATH}?{query}"
        payload = {"events": [e.body for e in page.events], "paging": {"next_url": next_url}}
        return Response.json(200, payload), len(page.events)

    def rate_headers(self, rate: RateState) -> Headers:
        return (
            ("X-RateLimit-Limit", str(rate.limit)),
            ("X-RateLimit-Remaining", str(rate.remaining)),
            ("X-RateLimit-Reset", str(rate.reset)),
        )

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        return _error(429, "rate_limited", "Too many requests; see X-RateLimit-Reset.")

    def unauthorized(self) -> Response:
        return _error(401, "unauthenticated", "Send X-Zylo-Token.")

    def server_error(self, status: int) -> Response:
        return _error(status, "internal", "Temporary failure; retry.")

    def not_found(self, request: Request) -> Response:
        return _error(404, "not_found", f"No route {request.path}.")


def _error(status: int, code: str, message: str) -> Response:
    return Response.json(status, {"error": {"code": code, "message": message}})
