"""A fake of the 1Password Events API, written from 1Password's documentation.

Docs read:
* https://developer.1password.com/docs/events-api/reference and
  https://support.1password.com/events-api-reference (``POST /api/v1/signinattempts``,
  ``/api/v1/itemusages``, ``/api/v1/auditevents`` and their ``/api/v2/`` twins; bearer
  token with the stream's feature; response ``{"cursor", "has_more", "items"}``; items
  with ``uuid`` and ``timestamp`` (RFC 3339); data of the last 120 days).
* https://developer.1password.com/docs/events-api/pagination (the first request sends a
  ResetCursor ``{"limit", "start_time", "end_time"}``, all optional, ``limit`` 1..1000
  default 100; every later request sends only ``{"cursor": "..."}``, the cursor of the
  previous response; ``has_more`` says whether more events are available now; the last
  cursor can be kept and used later to fetch newer events).
* https://developer.1password.com/docs/events-api/rate-limits ("600 requests per minute,
  30,000 requests per hour", 429 when exceeded) and
  https://developer.1password.com/docs/events-api/status-codes (400, 401, 429, 500).

Where the docs are silent: ``start_time`` is inclusive and ``end_time`` inclusive
(events at exactly ``end_time`` are returned); items come oldest first by
``(timestamp, uuid)``; error bodies are ``{"Error": {"Message": "..."}}`` (the shape of
the OpenAPI document's error schema); a 429 carries no ``Retry-After`` and no budget
headers (none documented); only the per-minute limit is modelled; a body with both a
cursor and ResetCursor fields, or a cursor of another stream, answers 400.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from logpull.simulator._timefmt import format_ms, ms_ceil, ms_floor, parse_rfc3339
from logpull.simulator.vendors._app import Request, Response, VendorApp
from logpull.simulator.vendors._common import COUNTRIES, USERS, ip, uuid4
from logpull.simulator.vendors._cursor import Cursor, CursorCodec, CursorError
from logpull.simulator.vendors._ratelimit import RateState
from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import EventLog, generate

STREAMS = ("signinattempts", "itemusages", "auditevents")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_PATH = re.compile(r"/api/v[12]/(signinattempts|itemusages|auditevents)/?")
_RESET_KEYS = frozenset({"limit", "start_time", "end_time"})
_FOREVER_MS = 2**62


class OnePasswordSettings(VendorSettings):
    """``events`` is per stream."""


class OnePasswordEvents(VendorSimulator[OnePasswordSettings]):
    identity = "uuid"

    def _build(self, settings: OnePasswordSettings, clock: Callable[[], float]) -> OnePasswordApp:
        logs = {
            name: generate(settings, _RENDER[name], salt=n + 1) for n, name in enumerate(STREAMS)
        }
        return OnePasswordApp(settings, logs, clock)


def _person(rng: random.Random) -> dict[str, Any]:
    user = rng.randrange(200)
    name = f"{USERS[user % len(USERS)]}{user}"
    return {"uuid": f"U{user:05d}ACMEUSER{user:08d}", "name": name,
            "email": f"{name}@example.com"}  # fmt: skip


def _client(rng: random.Random) -> dict[str, Any]:
    return {"app_name": "1Password Browser Extension", "app_version": "81080039",
            "platform_name": "Chrome", "platform_version": "126.0", "os_name": "MacOSX",
            "os_version": "14.5", "ip_address": ip(rng)}  # fmt: skip


def _location(rng: random.Random) -> dict[str, Any]:
    return {"country": COUNTRIES[rng.randrange(len(COUNTRIES))], "region": "", "city": "",
            "latitude": 0.0, "longitude": 0.0}  # fmt: skip


def _signin(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    ident, ok = uuid4(rng), rng.random() < 0.8  # noqa: PLR2004
    return ident, {
        "uuid": ident, "session_uuid": uuid4(rng), "timestamp": format_ms(time_ms),
        "category": "success" if ok else "credentials_failed",
        "type": "credentials_ok" if ok else "password_secret_bad",
        "country": COUNTRIES[rng.randrange(len(COUNTRIES))], "details": None,
        "target_user": _person(rng), "client": _client(rng), "location": _location(rng),
    }  # fmt: skip


def _itemusage(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    ident = uuid4(rng)
    return ident, {
        "uuid": ident, "timestamp": format_ms(time_ms), "used_version": rng.randrange(1, 9),
        "vault_uuid": f"v{rng.getrandbits(100):025x}", "item_uuid": f"i{rng.getrandbits(100):025x}",
        "user": _person(rng), "client": _client(rng), "location": _location(rng),
        "action": ("reveal", "secure-copy", "fill", "select-sso-provider")[rng.randrange(4)],
    }  # fmt: skip


def _audit(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    ident, actor = uuid4(rng), _person(rng)
    return ident, {
        "uuid": ident, "timestamp": format_ms(time_ms), "actor_uuid": actor["uuid"],
        "actor_details": actor, "action": ("join", "grant", "revoke", "update")[rng.randrange(4)],
        "object_type": ("user", "vault", "gva")[rng.randrange(3)],
        "object_uuid": f"o{rng.getrandbits(100):025x}", "aux_id": rng.randrange(10**6),
        "aux_uuid": f"a{rng.getrandbits(100):025x}", "aux_info": "",
        "session": {"uuid": uuid4(rng), "login_time": format_ms(time_ms - 60_000),
                    "device_uuid": f"d{rng.getrandbits(100):025x}", "ip": ip(rng)},
        "location": _location(rng),
    }  # fmt: skip


_RENDER = {"signinattempts": _signin, "itemusages": _itemusage, "auditevents": _audit}


class OnePasswordApp(VendorApp[OnePasswordSettings]):
    documented_limit = 600
    codec = CursorCodec(padded=True)

    def route(self, request: Request) -> str | None:
        found = _PATH.fullmatch(request.path)
        return found.group(1) if found is not None and request.method == "POST" else None

    def not_found(self, request: Request) -> Response:
        if _PATH.fullmatch(request.path):
            return _error(405, "Method Not Allowed")
        return _error(404, "Not Found")

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        try:
            body = request.json_body()
        except ValueError:
            return _error(400, "Bad Request: the body is not JSON"), 0
        if not isinstance(body, dict):
            return _error(400, "Bad Request: the body must be a Cursor or a ResetCursor"), 0
        try:
            cursor = self._cursor_of(stream, body)
        except ValueError as exc:
            return _error(400, f"Bad Request: {exc}"), 0
        return self._page(stream, self.streams[stream], cursor)

    def _cursor_of(self, stream: str, body: dict[str, Any]) -> Cursor:
        """The position to resume from: a decoded cursor, or a new one (ResetCursor)."""
        if "cursor" in body:
            if set(body) != {"cursor"} or not isinstance(body["cursor"], str):
                raise ValueError("a request with a cursor must send the cursor alone")
            try:
                return self.codec.decode(body["cursor"], stream, self.clock(),
                                         self.settings.cursor_ttl)  # fmt: skip
            except CursorError as exc:
                raise ValueError(f"invalid cursor ({exc.reason})") from exc
        unknown = set(body) - _RESET_KEYS
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}")
        limit = body.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be an integer from 1 to {MAX_LIMIT}")
        lo = _instant(body.get("start_time"), ceil=True, default=0)
        hi = _instant(body.get("end_time"), ceil=False, default=_FOREVER_MS)
        return Cursor(stream, None, self.clock(), {"lo": lo, "hi": hi, "limit": limit})

    def _page(self, stream: str, log: EventLog, cursor: Cursor) -> tuple[Response, int]:
        lo, hi, limit = (int(cursor.extra[k]) for k in ("lo", "hi", "limit"))
        page = log.page(lo, hi, now=self.clock(), limit=limit, after=cursor.position)
        position = page.last or cursor.position
        next_cursor = self.codec.encode(Cursor(stream, position, self.clock(), cursor.extra))
        payload = {"cursor": next_cursor, "has_more": page.more,
                   "items": [e.body for e in page.events]}  # fmt: skip
        return Response.json(200, payload), len(page.events)

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        return _error(429, "Too Many Requests")

    def unauthorized(self) -> Response:
        return _error(401, "Unauthorized")

    def server_error(self, status: int) -> Response:
        return _error(status, "Internal Server Error")


def _instant(value: object, *, ceil: bool, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError("start_time and end_time must be RFC 3339 strings")
    try:
        seconds = parse_rfc3339(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from exc
    return ms_ceil(seconds) if ceil else ms_floor(seconds)


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"Error": {"Message": message}})
