"""A fake of the Atlassian organization audit log (``GET /admin/v1/orgs/{orgId}/events``),
written from Atlassian's documentation.

Docs read:
* https://developer.atlassian.com/cloud/admin/organization/rest/api-group-events/
  (query ``cursor``, ``q``, ``from`` / ``to`` "the earliest / latest date and time of
  the event represented as a UNIX epoch time in milliseconds", ``action``, ``limit``;
  response ``{"data": [{"id", "type", "attributes": {"time", "action", "actor",
  "context", "container", "location"}, "links"}], "meta": {"next", "page_size"},
  "links": {"self", "prev", "next"}}``; newest first; the rate limit of ``/events``
  lowered to 10 requests per minute per user from May 2025).
* https://developer.atlassian.com/cloud/admin/organization/rest/intro/ (bearer API key;
  "all API requests are subjected to rate limits", 429 Too Many Requests; rate-limit
  response headers ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``
  "Next period reset time (ISO 8601 - Date and time in UTC)").
* https://developer.atlassian.com/cloud/admin/organization/poll-events-migration
  (``/events-stream`` exists for polling by processing time; not modelled).

Where the docs are silent: ``from`` and ``to`` are both inclusive ("earliest",
"latest"); ``limit`` defaults to 100, at most 1000 here; a 429 also carries
``Retry-After`` (Atlassian's general guidance); errors are JSON:API error objects
``{"errors": [{"status", "code", "title", "detail"}]}``; a cursor carries its range, so
a request with a cursor may omit ``from``/``to`` but must not change them (400).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from logpull.simulator._timefmt import format_ms
from logpull.simulator.vendors._app import Headers, Request, Response, VendorApp
from logpull.simulator.vendors._common import COUNTRIES, USERS, ip, parse_int, uuid4
from logpull.simulator.vendors._cursor import Cursor, CursorCodec, CursorError, fingerprint
from logpull.simulator.vendors._ratelimit import RateState
from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import generate

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_PATH = re.compile(r"/admin/v1/orgs/([^/]+)/events/?")
_ACTIONS = ("user_added_to_group", "user_removed_from_group", "api_token_created",
            "user_login", "policy_updated", "product_access_granted")  # fmt: skip


class AtlassianSettings(VendorSettings):
    org_id: str = "0a1b2c3d-acme-org"


class AtlassianOrgAudit(VendorSimulator[AtlassianSettings]):
    identity = "id"

    def _build(self, settings: AtlassianSettings, clock: Callable[[], float]) -> AtlassianApp:
        return AtlassianApp(settings, {"events": generate(settings, _render)}, clock)


def _render(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    ident, user = uuid4(rng), rng.randrange(200)
    name = f"{USERS[user % len(USERS)]}{user}"
    return ident, {
        "id": ident, "type": "events",
        "attributes": {
            "time": format_ms(time_ms), "action": _ACTIONS[rng.randrange(len(_ACTIONS))],
            "actor": {"id": f"5b10ac8d82e05b22cc7d{user:04d}", "name": name,
                      "email": f"{name}@example.com"},
            "context": [{"id": uuid4(rng), "type": "group"}],
            "container": [{"id": uuid4(rng), "type": "sites"}],
            "location": {"ip": ip(rng), "geo": "", "countryName":
                         COUNTRIES[rng.randrange(len(COUNTRIES))]},
        },
        "links": {"self": f"https://api.atlassian.com/admin/v1/orgs/org/events/{ident}"},
    }  # fmt: skip


class AtlassianApp(VendorApp[AtlassianSettings]):
    documented_limit = 10
    codec = CursorCodec(urlsafe=True)

    def route(self, request: Request) -> str | None:
        found = _PATH.fullmatch(request.path)
        if found is None or request.method != "GET":
            return None
        return "events" if found.group(1) == self.settings.org_id else None

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        params = request.params
        try:
            lo = parse_int(params.get("from"), 0)
            hi = parse_int(params.get("to"), 2**62)
            limit = parse_int(params.get("limit"), DEFAULT_LIMIT)
            if not 1 <= limit <= MAX_LIMIT:
                raise ValueError(f"limit must be from 1 to {MAX_LIMIT}")
        except ValueError as exc:
            return _error(400, "INVALID_PARAMETER", str(exc)), 0
        after = None
        if params.get("cursor"):
            try:
                cursor = self.codec.decode(params["cursor"], None, self.clock(),
                                           self.settings.cursor_ttl)  # fmt: skip
                lo, hi, after = self._resume(cursor, params, lo, hi)
            except CursorError as exc:
                return _error(400, "INVALID_CURSOR", f"invalid cursor ({exc.reason})"), 0
        action = params.get("action")
        match = None if not action else (lambda b: b["attributes"]["action"] == action)
        page = self.streams[stream].page(lo, hi, now=self.clock(), limit=limit,
                                         descending=True, after=after, match=match)  # fmt: skip
        token = None
        if page.more and page.last is not None:
            token = self.codec.encode(
                Cursor(
                    fingerprint({"action": action}), page.last, self.clock(), {"lo": lo, "hi": hi}
                )
            )
        payload: dict[str, Any] = {
            "data": [e.body for e in page.events],
            "meta": {"next": token, "page_size": len(page.events)},
            "links": {"self": f"{request.base_url}{request.path}"
                      + (f"?{urlencode(request.pairs, quote_via=quote)}" if request.pairs else "")},
        }  # fmt: skip
        if token is not None:
            kept = [(k, v) for k, v in request.pairs if k != "cursor"]
            query = urlencode([*kept, ("cursor", token)], quote_via=quote)
            payload["links"]["next"] = f"{request.base_url}{request.path}?{query}"
        return Response.json(200, payload), len(page.events)

    @staticmethod
    def _resume(cursor: Cursor, params: dict[str, str], lo: int, hi: int) -> tuple[int, int, Any]:
        """The cursor's range and position; ``CursorError`` if the request changes it."""
        c_lo, c_hi = int(cursor.extra["lo"]), int(cursor.extra["hi"])
        if ("from" in params and lo != c_lo) or ("to" in params and hi != c_hi):
            raise CursorError("foreign")
        if cursor.fingerprint != fingerprint({"action": params.get("action")}):
            raise CursorError("foreign")
        return c_lo, c_hi, cursor.position

    def rate_headers(self, rate: RateState) -> Headers:
        return (
            ("X-RateLimit-Limit", str(rate.limit)),
            ("X-RateLimit-Remaining", str(rate.remaining)),
            ("X-RateLimit-Reset", format_ms(rate.reset * 1000).replace(".000Z", "Z")),
        )

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        response = _error(429, "TOO_MANY_REQUESTS", "Rate limit exceeded; retry later.")
        return Response(429, response.body, (("Retry-After", str(wait)), *self.rate_headers(rate)))

    def unauthorized(self) -> Response:
        return _error(401, "UNAUTHORIZED", "The API key is missing or invalid.")

    def server_error(self, status: int) -> Response:
        return _error(status, "INTERNAL_SERVER_ERROR", "Something went wrong.")

    def not_found(self, request: Request) -> Response:
        return _error(404, "NOT_FOUND", "No such organization or resource.")


def _error(status: int, code: str, detail: str) -> Response:
    title = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
             429: "Too Many Requests"}.get(status, "Server Error")  # fmt: skip
    return Response.json(status, {"errors": [{"status": str(status), "code": code,
                                              "title": title, "detail": detail}]})  # fmt: skip
