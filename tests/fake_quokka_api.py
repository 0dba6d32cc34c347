"""Quokka Audit, a vendor nobody has heard of: a fake API written from its own
"documentation" (below), independently of logpull's http spec code, for the tests
that configure it with ``kind = "http"`` as a newcomer would.

Quokka's documentation, as far as a client needs it:
- ``POST /oauth/token`` (OAuth 2.0 client credentials, client id and secret in a Basic
  header) returns ``{"access_token", "token_type": "bearer", "expires_in"}``; access
  tokens expire after ``token_ttl`` seconds, and an expired one gets 401.
- ``GET /v3/tenants/{tenant}/activity`` with ``Authorization: Bearer <token>``:
  ``since`` (epoch seconds, exclusive: ``occurred > since``), ``until`` (epoch seconds,
  inclusive: ``occurred <= until``), both compared with the event's own millisecond time;
  ``max`` (1..200, default 50); ``cursor``.
- Newest first. The body is ``{"result": {"events": [...]}, "paging": {"next": C}}``;
  ``next`` is null on the last page. A cursor must be sent with the same ``since`` and
  ``until`` (else 400 ``{"error": {"code": "cursor_mismatch"}}``); a cursor older than
  ``cursor_ttl`` seconds is gone (410 ``{"error": {"code": "cursor_expired"}}``).
- An event is ``{"meta": {"node", "seq", "occurred"}, "action", "actor": {...}}``;
  ``occurred`` is RFC 3339 with a ``+00:00`` offset and milliseconds; ``(node, seq)``
  identifies it.
- Every response carries ``X-Quota-Limit``, ``X-Quota-Remaining`` and
  ``X-Quota-Reset-In`` (seconds); a request over the quota, and every ``throttle_every``-th
  request, gets 429 with ``Retry-After`` (seconds).
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

CLIENT_ID, CLIENT_SECRET = "logpull-test", "s3cr3t-quokka-client"


def _occurred(ms: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def make_events(count: int, start: datetime, end: datetime, seed: int) -> list[dict[str, Any]]:
    """``count`` events in ``[start, end)``, a tenth of them exactly on a whole minute
    (so on window edges), some sharing their millisecond."""
    rng = random.Random(seed)
    low, high = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    events = []
    for seq in range(count):
        if seq % 10 == 0:
            ms = low + rng.randrange((high - low) // 60_000) * 60_000
        elif seq % 7 == 0 and events:
            ms = events[-1]["_ms"]
        else:
            ms = rng.randrange(low, high)
        events.append(
            {
                "_ms": ms,
                "meta": {"node": f"n{seq % 5}", "seq": seq, "occurred": _occurred(ms)},
                "action": rng.choice(["login", "logout", "export", "grant"]),
                "actor": {"email": f"user{rng.randrange(50)}@quokka.test", "ip": "198.51.100.7"},
            }
        )
    events.sort(key=lambda e: (e["_ms"], e["meta"]["seq"]), reverse=True)
    return events


class QuokkaApi:
    def __init__(
        self,
        events: list[dict[str, Any]],
        tenant: str = "t-42",
        token_ttl: float = 3.0,
        cursor_ttl: float = 30.0,
        throttle_every: int = 0,
        quota: int = 10_000,
        shuffled: bool = False,
    ) -> None:
        if shuffled:  # in no order of time (Quokka's "processing order")
            events = sorted(events, key=lambda e: (e["meta"]["seq"] * 7919) % 10007)
        self.events, self.tenant = events, tenant
        self.token_ttl, self.cursor_ttl, self.throttle_every, self.quota = (
            token_ttl,
            cursor_ttl,
            throttle_every,
            quota,
        )
        self.tokens: dict[str, float] = {}
        self.cursors: dict[str, tuple[str, str, int, float]] = {}
        self.requests = self.token_requests = self.unauthorised = 0
        self.first_pages: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def truth(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k != "_ms"} for e in self.events]

    def start(self) -> QuokkaApi:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the API -------------------------------------------------------------------------
    def token(self, headers: Any) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"error": "invalid_client"}
        token = uuid.uuid4().hex
        with self.lock:
            self.token_requests += 1
            self.tokens[token] = time.monotonic() + self.token_ttl
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl}

    def activity(
        self, query: dict[str, str], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            self.requests += 1
            count = self.requests
        quota = {
            "X-Quota-Limit": str(self.quota),
            "X-Quota-Remaining": str(max(0, self.quota - count)),
            "X-Quota-Reset-In": "1",
        }
        if self.throttle_every and count % self.throttle_every == 0:
            return 429, {"error": {"code": "slow_down"}}, {**quota, "Retry-After": "0"}
        bearer = str(headers.get("Authorization", "")).removeprefix("Bearer ")
        if self.tokens.get(bearer, 0.0) < time.monotonic():
            with self.lock:
                self.unauthorised += 1
            return 401, {"error": {"code": "unauthorised"}}, quota
        try:
            since, until = int(query["since"]), int(query["until"])
            size = int(query.get("max", "50"))
        except (KeyError, ValueError):
            return 400, {"error": {"code": "bad_request"}}, quota
        if not 1 <= size <= 200:
            return 400, {"error": {"code": "bad_max"}}, quota
        offset = 0
        if "cursor" in query:
            found = self.cursors.get(query["cursor"])
            if found is None:
                return 400, {"error": {"code": "bad_cursor"}}, quota
            if found[:2] != (query["since"], query["until"]):
                return 400, {"error": {"code": "cursor_mismatch"}}, quota
            if time.monotonic() - found[3] > self.cursor_ttl:
                return 410, {"error": {"code": "cursor_expired"}}, quota
            offset = found[2]
        else:
            with self.lock:
                key = (query["since"], query["until"])
                self.first_pages[key] = self.first_pages.get(key, 0) + 1
        selected = [e for e in self.events if since * 1000 < e["_ms"] <= until * 1000]
        page = selected[offset : offset + size]
        following = None
        if offset + size < len(selected):
            following = (
                base64.urlsafe_b64encode(uuid.uuid4().bytes).decode() + "=="
            )  # needs URL-encoding
            self.cursors[following] = (
                query["since"],
                query["until"],
                offset + size,
                time.monotonic(),
            )
        body = {
            "result": {"events": [{k: v for k, v in e.items() if k != "_ms"} for e in page]},
            "paging": {"next": following},
        }
        return 200, body, quota

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body, indent=1).encode()  # line breaks inside, as some APIs send
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/oauth/token":
                    self._answer(404, {"error": {"code": "not_found"}})
                    return
                self._answer(*api.token(self.headers))

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                if parsed.path != f"/v3/tenants/{api.tenant}/activity":
                    self._answer(404, {"error": {"code": "not_found"}})
                    return
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                self._answer(*api.activity(query, self.headers))

        return Handler
