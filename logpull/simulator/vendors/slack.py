"""A fake of the Slack Audit Logs API (``GET /audit/v1/logs``), written from Slack's docs.

Docs read:
* https://docs.slack.dev/reference/audit-logs-api/methods-actions-reference (base URL
  ``https://api.slack.com/audit/v1/``; ``Authorization: Bearer xoxp-...`` of an org
  owner with ``auditlogs:read``; "all methods are rated Tier 3 ... up to 50 calls per
  minute", organization-wide; arguments ``latest`` / ``oldest`` "Unix timestamp of the
  most recent / least recent audit event to include (inclusive)", ``limit`` "maximum
  9999", ``action``, ``actor``, ``entity``, ``cursor``).
* https://docs.slack.dev/admins/audit-logs-api/ (entries with ``id``, ``date_create``
  in epoch seconds, ``action``, ``actor``, ``entity``, ``context``; newest first;
  ``response_metadata.next_cursor``).
* https://docs.slack.dev/apis/web-api/pagination (cursors are opaque, often end in
  ``=`` and must be URL-encoded; an empty ``next_cursor`` means the last page;
  ``invalid_cursor`` error) and https://docs.slack.dev/apis/web-api/rate-limits (HTTP
  429 with ``Retry-After`` seconds).

Where the docs are silent: ``limit`` defaults to 100 here and a value outside 1..9999
answers 400 ``invalid_arguments``; a cursor is honoured only with the same ``oldest``,
``latest``, ``limit``, ``action``, ``actor`` and ``entity`` it was issued for (else 400
``invalid_cursor``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from logpull.simulator.vendors._app import Headers, Request, Response, VendorApp
from logpull.simulator.vendors._common import USERS, ip, parse_int, uuid4
from logpull.simulator.vendors._cursor import Cursor, CursorCodec, CursorError, fingerprint
from logpull.simulator.vendors._ratelimit import RateState
from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import Render, generate

LOGS_PATH = "/audit/v1/logs"
MAX_LIMIT = 9999
DEFAULT_LIMIT = 100
FILTERS = ("oldest", "latest", "limit", "action", "actor", "entity")
_ACTIONS = ("user_login", "user_logout", "file_downloaded", "user_channel_join",
            "public_channel_created", "app_installed", "role_change_to_admin")  # fmt: skip


class SlackSettings(VendorSettings):
    enterprise_id: str = "E0ACME"
    enterprise_name: str = "acme"


class SlackAuditLogs(VendorSimulator[SlackSettings]):
    """``GET /audit/v1/logs``: entries newest first, second-granular, inclusive edges."""

    identity = "id"

    def _build(self, settings: SlackSettings, clock: Callable[[], float]) -> SlackApp:
        log = generate(settings, _renderer(settings), granularity_ms=1000)
        return SlackApp(settings, {"logs": log}, clock)


def _renderer(settings: SlackSettings) -> Render:
    location = {"type": "enterprise", "id": settings.enterprise_id,
                "name": settings.enterprise_name, "domain": settings.enterprise_name}  # fmt: skip

    def render(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
        ident, user = uuid4(rng), rng.randrange(200)
        name = f"{USERS[user % len(USERS)]}{user}"
        person = {"id": f"W{100000 + user}", "name": name, "email": f"{name}@example.com"}
        body = {
            "id": ident, "date_create": time_ms // 1000,
            "action": _ACTIONS[rng.randrange(len(_ACTIONS))],
            "actor": {"type": "user", "user": person},
            "entity": {"type": "workspace", "workspace": {
                "id": f"T{rng.randrange(10**6):06d}", "name": "main", "domain": "acme-main"}},
            "context": {"location": location, "ua": "Mozilla/5.0", "ip_address": ip(rng),
                        "session_id": str(rng.randrange(10**12))},
        }  # fmt: skip
        return ident, body

    return render


class SlackApp(VendorApp[SlackSettings]):
    documented_limit = 50
    codec = CursorCodec(padded=True)  # standard base64 with "=" padding: must be URL-encoded

    def route(self, request: Request) -> str | None:
        ok = request.method == "GET" and request.path.rstrip("/") == LOGS_PATH
        return "logs" if ok else None

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        params = request.params
        try:
            oldest = parse_int(params.get("oldest"), 0)
            latest = parse_int(params.get("latest"), 2**40)
            limit = parse_int(params.get("limit"), DEFAULT_LIMIT)
        except ValueError:
            return _error(400, "invalid_arguments"), 0
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, "invalid_arguments"), 0
        query = fingerprint({name: params.get(name) for name in FILTERS})
        after = None
        if params.get("cursor"):
            try:
                after = self.codec.decode(params["cursor"], query, self.clock(),
                                          self.settings.cursor_ttl).position  # fmt: skip
            except CursorError:
                return _error(400, "invalid_cursor"), 0
        page = self.streams[stream].page(
            oldest * 1000, latest * 1000 + 999, now=self.clock(), limit=limit,
            descending=True, after=after, match=_matcher(params),
        )  # fmt: skip
        last = page.last
        cursor = "" if not page.more or last is None else self.codec.encode(
            Cursor(query, last, self.clock()))  # fmt: skip
        payload = {"entries": [e.body for e in page.events],
                   "response_metadata": {"next_cursor": cursor}}  # fmt: skip
        return Response.json(200, payload), len(page.events)

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        return Response(429, _error(429, "ratelimited").body, (("Retry-After", str(wait)),))

    def unauthorized(self) -> Response:
        return _error(401, "invalid_authentication")

    def server_error(self, status: int) -> Response:
        return _error(status, "fatal_error")

    def not_found(self, request: Request) -> Response:
        return _error(404, "unknown_method")

    def rate_headers(self, rate: RateState) -> Headers:
        return ()  # Slack documents no budget headers, only Retry-After on a 429


def _matcher(params: dict[str, str]) -> Callable[[dict[str, Any]], bool] | None:
    actions = {a for a in params.get("action", "").split(",") if a}
    actor = params.get("actor")
    if not actions and not actor:
        return None

    def match(body: dict[str, Any]) -> bool:
        if actions and body["action"] not in actions:
            return False
        return actor is None or body["actor"]["user"]["id"] == actor

    return match


def _error(status: int, error: str) -> Response:
    return Response.json(status, {"ok": False, "error": error})
