"""Okta System Log (``GET /api/v1/logs``) through requests, with connection reuse.

Okta differs from Google in the ways the source port abstracts: oldest-first order; the
cursor is the ``rel="next"`` link Okta returns (stored as given, never built by us); rate
limits come as ``X-Rate-Limit-*`` headers and a 429 without ``Retry-After`` (wait until
``X-Rate-Limit-Reset``); an event's identity is its ``uuid``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import msgspec
import orjson
import requests

from shared.config import SourceSettings
from shared.errors import PermanentError, RateLimited, RetryableError, TokenRejected
from shared.timeutil import canonical_instant, format_instant
from worker.sources.base import (
    Ordering,
    Page,
    Query,
    RateHeaders,
    canonical_times,
    classify_status,
    events_from,
    read_file,
    request_not_built,
)
from worker.sources.okta_oauth import AccessTokens, ServiceApp, service_app

EDGE_SLACK = timedelta(seconds=1)  # inclusive/exclusive ends are not documented: see dedup
USER_AGENT = "logpull (okta_system_log)"
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")  # visible ASCII, single spaces between
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
              requests.exceptions.ContentDecodingError)


class _Head(msgspec.Struct, gc=False):  # (decoded JSON has no cycles for the collector to find)
    """What dedup reads of a LogEvent (missing fields read as "")."""

    uuid: Any = ""
    published: Any = ""


_HEADS = msgspec.json.Decoder(list[_Head])

_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def create(settings: SourceSettings, secrets: Any) -> OktaSystemLogSource:
    """The ``okta_system_log`` entry point."""
    return OktaSystemLogSource(settings, load_token(settings, secrets.load))


def load_token(settings: SourceSettings, load_secret: Any) -> str | ServiceApp | None:
    """An API token (``SSWS``), an OAuth access token (``Bearer ...``) or an OAuth service
    app (``{"client_id", "private_key", "key_id"}``, see ``okta_oauth``) from
    ``file:``/``secretsmanager:``/``ssm:``; a JSON secret may hold a token under ``token``.
    A token that could not go into an HTTP header (a line break inside it, say) is
    refused here, naming where it came from and never what it holds."""
    spec = settings.credentials
    if spec == "anonymous":
        return None
    kind, _, ref = spec.partition(":")
    text = (load_secret or read_file)(kind, ref).strip()
    try:
        if text.startswith("{"):
            data = orjson.loads(text)
            app = service_app(data, f"{kind}:{ref}")
            if app is not None:
                return app
            text = str(data.get("token") or data.get("api_token") or f"Bearer {data['access_token']}")
    except (ValueError, KeyError, AttributeError) as exc:
        raise PermanentError(f"credentials {kind}:{ref} hold no usable Okta token ({type(exc).__name__})",
                             reason="bad_credentials") from None
    if not text or not _HEADER_SAFE.fullmatch(text):
        raise PermanentError(f"credentials {kind}:{ref} hold no usable Okta token (empty, or characters an "
                             "HTTP header cannot carry, e.g. a line break inside it)", reason="bad_credentials")
    return text


def _error_code(response: requests.Response) -> tuple[str, str]:
    try:
        body = orjson.loads(response.content)
        return str(body.get("errorCode", "")), str(body.get("errorSummary", ""))
    except (orjson.JSONDecodeError, AttributeError):
        return "", ""


def _server_time(response: requests.Response, fallback: float) -> float:
    """The response's ``Date`` (so a skewed local clock does not shorten the wait)."""
    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return fallback


def rate_headers(response: requests.Response, now: float) -> RateHeaders | None:
    """Okta's ``X-Rate-Limit-Limit``/``Remaining``/``Reset`` (None when absent or odd)."""
    headers = response.headers
    try:
        limit, remaining = int(headers["X-Rate-Limit-Limit"]), int(headers["X-Rate-Limit-Remaining"])
        reset = float(headers["X-Rate-Limit-Reset"])
    except (KeyError, ValueError):
        return None
    return RateHeaders(limit, remaining, max(0.0, reset - _server_time(response, now)))


def classify(response: requests.Response, had_cursor: bool, now: float) -> Exception:
    status = response.status_code
    code, summary = _error_code(response)
    detail = f"HTTP {status} {code}: {summary or response.reason}".strip()
    if status == 429:  # no Retry-After: wait until X-Rate-Limit-Reset, by Okta's own clock
        reset = response.headers.get("X-Rate-Limit-Reset")
        server_now = _server_time(response, now)
        delay = max(0.0, float(reset) - server_now) + 0.1 if reset and reset.isdigit() else None
        return RateLimited(f"rate limited: {detail}", delay=delay)
    if status == 400 and had_cursor and ("after" in summary.lower() or code == "E0000001"):
        return TokenRejected(f"cursor rejected: {detail}")
    return classify_status(status, detail)


class OktaSystemLogSource:
    ordering: Ordering = "oldest_first"

    def __init__(self, settings: SourceSettings, token: str | ServiceApp | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        base = (settings.api_endpoint or f"https://{settings.domain}").rstrip("/")
        self._url = base + "/api/v1/logs"
        self._limit = settings.page_size
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        self._tokens: AccessTokens | None = None
        if isinstance(token, ServiceApp):
            self._tokens = AccessTokens(token, base + "/oauth2/v1/token", self._session, settings.credentials,
                                        clock=clock)
        elif token:
            scheme = "" if token.startswith(("SSWS ", "Bearer ")) else "SSWS "
            self._session.headers["Authorization"] = scheme + token

    def _get(self, query: Query, cursor: str | None, timeout: float) -> requests.Response:
        """One request; with a service app, a refused access token is replaced once."""
        response = self._send(query, cursor, timeout)
        if response.status_code == 401 and self._tokens is not None:
            self._tokens.invalidate(str(response.request.headers.get("Authorization", "")))
            response = self._send(query, cursor, timeout)
        return response

    def _send(self, query: Query, cursor: str | None, timeout: float) -> requests.Response:
        headers = {"Authorization": self._tokens.header(timeout)} if self._tokens is not None else None
        if cursor:  # the next link, exactly as Okta gave it
            return self._session.get(cursor, timeout=timeout, headers=headers)
        params = {
            "since": format_instant(query.start - EDGE_SLACK),
            "until": format_instant(query.end + EDGE_SLACK),
            "limit": str(self._limit),
            "sortOrder": "ASCENDING",
        }
        return self._session.get(self._url, params=params, timeout=timeout, headers=headers)

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        try:
            response = self._get(query, token, min(timeout, 60.0))
        except _TRANSIENT as exc:
            raise RetryableError(f"connection problem: {type(exc).__name__}: {exc}") from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            if token is not None:  # a next link as Okta gave it: not our settings
                raise
            raise request_not_built(exc) from exc  # the domain or endpoint setting
        except requests.exceptions.InvalidHeader:  # its message quotes the header: the token
            raise PermanentError("the Okta token cannot be sent in an HTTP header",
                                 reason="bad_credentials") from None
        if response.status_code != 200:
            raise classify(response, token is not None, time.time())
        content = response.content
        try:
            raws = _LIST.decode(content)
            heads = _HEADS.decode(content) if raws else []
        except msgspec.ValidationError as exc:
            raise RetryableError(f"malformed API page: not a list of log events ({exc})") from exc
        except msgspec.DecodeError as exc:
            raise RetryableError(f"malformed API page: {exc}") from exc
        try:
            times = canonical_times([h.published for h in heads])
        except ValueError as exc:
            raise RetryableError(f"malformed API item (no usable time): {exc}") from exc
        items = events_from(content, raws, times, [str(h.uuid) for h in heads])
        following = response.links.get("next", {}).get("url")
        # a bounded query is finished when a page is empty or the link does not move on
        if not items or following == token:
            following = None
        return Page(items=items, next_token=following, rate=rate_headers(response, time.time()))

    def identity(self, item: dict[str, Any]) -> str:
        return str(item.get("uuid", ""))

    def event_time(self, item: dict[str, Any]) -> str:
        return canonical_instant(str(item.get("published", "")))
