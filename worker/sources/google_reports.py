"""Google Admin SDK Reports API ``activities.list`` through google-api-python-client.

Google does not document whether ``startTime``/``endTime`` are inclusive, so the query
reaches one second before the window's start and up to its end; the worker keeps only
events in ``[start, end)``, so an event on an edge lands in exactly one window.
"""

from __future__ import annotations

import http.client
import json
import socket
from datetime import timedelta
from typing import Any

import google.auth.exceptions
import google_auth_httplib2
import httplib2
import msgspec
from google.auth.credentials import AnonymousCredentials, Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.model import JsonModel

from shared.config import SourceSettings
from shared.errors import PermanentError, RateLimited, RetryableError, TokenRejected
from shared.timeutil import canonical_instant, format_instant
from worker.sources.base import (
    Ordering,
    Page,
    Query,
    canonical_times,
    classify_status,
    events_from,
    read_file,
    request_not_built,
)

SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
EDGE_SLACK = timedelta(seconds=1)
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
_TRANSIENT_NETWORK = (
    ConnectionError,
    TimeoutError,
    socket.timeout,
    http.client.HTTPException,
    httplib2.HttpLib2Error,
    OSError,
)


def _error_reason(exc: HttpError) -> tuple[str, str]:
    """(reason, message) from a Google error body, tolerant of any body."""
    try:
        error = json.loads(exc.content.decode("utf-8", "replace")).get("error", {})
        reasons = [e.get("reason", "") for e in error.get("errors", []) if isinstance(e, dict)]
        return (reasons[0] if reasons else str(error.get("status", ""))), str(error.get("message", ""))
    except (ValueError, AttributeError):
        return "", ""


def classify_http_error(exc: HttpError, had_token: bool) -> Exception:
    status = int(exc.resp.status)
    reason, message = _error_reason(exc)
    detail = f"HTTP {status} {reason or ''}: {message or exc._get_reason()}".strip()
    if status == 429 or (status == 403 and reason in _RATE_REASONS):
        retry_after = exc.resp.get("retry-after")
        try:
            delay = float(retry_after) if retry_after is not None else None
        except ValueError:
            delay = None
        return RateLimited(f"rate limited: {detail}", delay=delay)
    if status == 400 and had_token and ("token" in message.lower() or reason == "invalid"):
        return TokenRejected(f"page token rejected: {detail}")
    return classify_status(status, detail)


def load_credentials(settings: SourceSettings, secret_loader: Any = None) -> Credentials:
    spec = settings.credentials
    if spec == "anonymous":
        return AnonymousCredentials()  # type: ignore[no-untyped-call]
    from google.oauth2 import service_account

    kind, _, ref = spec.partition(":")
    try:
        text = (secret_loader or read_file)(kind, ref)
        info = json.loads(text)
        if not isinstance(info, dict):  # JSON, but a string, list or null: no key file at all
            raise TypeError(f"a JSON {type(info).__name__}, not an object")
        creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=[SCOPE]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # never echo the content: only where it came from and what kind of problem
        raise PermanentError(f"credentials {kind}:{ref} are not a usable service-account JSON "
                             f"({type(exc).__name__})", reason="bad_credentials") from None
    delegated: Credentials = creds.with_subject(settings.subject) if settings.subject else creds
    return delegated


def create(settings: SourceSettings, secrets: Any) -> GoogleReportsSource:
    """The ``google_reports`` entry point."""
    return GoogleReportsSource(settings, load_credentials(settings, secrets.load))


class _Body(msgspec.Struct):
    """An ``activities.list`` response: only the items (left unparsed) and the token."""

    items: list[msgspec.Raw] | None = None
    nextPageToken: str | None = None  # noqa: N815 - the API's name


class _Id(msgspec.Struct, gc=False):  # (decoded JSON has no cycles for the collector to find)
    """An Activity's ``id``: what dedup reads of it (missing fields read as "")."""

    time: str = ""
    uniqueQualifier: Any = ""  # noqa: N815 - the API's names
    applicationName: Any = ""  # noqa: N815
    customerId: Any = ""  # noqa: N815


class _Item(msgspec.Struct, gc=False):
    id: _Id | None = None


class _Ids(msgspec.Struct, gc=False):
    """The same response, decoded for the items' ids only (every other field skipped)."""

    items: list[_Item] | None = None


_IDS = msgspec.json.Decoder(_Ids)


def _identity(application: Any, customer: Any, time: Any, unique: Any) -> str:
    """CONTRACT.md: (applicationName, customerId, time, uniqueQualifier)."""
    return f"{application}|{customer}|{time}|{unique}"


def _keys(items: list[_Item]) -> tuple[list[str], list[str]]:
    """The items' times (canonical) and identities, a list of each."""
    ids = [item.id for item in items]
    if None in ids:
        raise ValueError("an activity without an id")
    present: list[_Id] = ids  # type: ignore[assignment]
    identities = [_identity(i.applicationName, i.customerId, i.time, i.uniqueQualifier) for i in present]
    return canonical_times([i.time for i in present]), identities


class RawPageModel(JsonModel):  # type: ignore[misc]
    """googleapiclient's JSON model, but a page is only split into its items' raw bytes
    (written to the sink as received), their keys and the token:
    ``(_Body, keys, the body's bytes)``."""

    _decoder = msgspec.json.Decoder(_Body)

    def deserialize(self, content: bytes | str) -> Any:
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            body = self._decoder.decode(data)
            ids = _IDS.decode(data).items if body.items else None
        except msgspec.ValidationError as exc:
            raise ValueError(f"not an activities page ({exc})") from exc
        except msgspec.DecodeError as exc:
            raise ValueError(f"not JSON ({exc})") from exc
        try:
            keys = _keys(ids or [])
        except ValueError as exc:
            raise ValueError(f"malformed API item (no usable time or id): {exc}") from exc
        return body, keys, data


class GoogleReportsSource:
    ordering: Ordering = "newest_first"

    def __init__(self, settings: SourceSettings, credentials: Credentials, timeout: float = 60) -> None:
        self._settings = settings
        self._cap = timeout  # the longest a request may take; fetch's ``timeout`` shortens it
        self._http = httplib2.Http(timeout=timeout)
        http = google_auth_httplib2.AuthorizedHttp(credentials, http=self._http)
        options = {"api_endpoint": settings.api_endpoint} if settings.api_endpoint else None
        self._service = build(
            "admin",
            "reports_v1",
            static_discovery=True,
            http=http,
            client_options=options,
            cache_discovery=False,
            model=RawPageModel(),
        )
        self._activities = self._service.activities()  # built once: each call makes a new Resource

    def _request(self, query: Query, token: str | None) -> Any:
        params: dict[str, Any] = {
            "userKey": "all",
            "applicationName": self._settings.application,
            "startTime": format_instant(query.start - EDGE_SLACK),
            "endTime": format_instant(query.end),
            "maxResults": self._settings.page_size,
        }
        if self._settings.customer_id:
            params["customerId"] = self._settings.customer_id
        if token:
            params["pageToken"] = token
        return self._activities.list(**params)

    def _use_timeout(self, timeout: float) -> None:
        """Each request gets the time it is given (httplib2 fixes one per connection:
        set it on the connections it keeps too, so a silent API ends a `check` or a
        run's last page in time, not 60 s later)."""
        seconds = max(1.0, min(timeout, self._cap))
        self._http.timeout = seconds
        for conn in self._http.connections.values():
            conn.timeout = seconds
            if getattr(conn, "sock", None) is not None:
                conn.sock.settimeout(seconds)

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        self._use_timeout(timeout)
        try:
            request = self._request(query, token)
        except (TypeError, ValueError, KeyError) as exc:  # the client refuses a parameter
            raise request_not_built(exc) from exc
        try:
            body = request.execute(num_retries=0)
        except HttpError as exc:
            raise classify_http_error(exc, had_token=token is not None) from exc
        except google.auth.exceptions.RefreshError as exc:  # the token endpoint said no
            if getattr(exc, "retryable", False):
                raise RetryableError(f"could not refresh the access token: {exc}") from exc
            raise PermanentError(f"authentication failed: {exc}", reason="auth_failed",
                                 hint="check the service account, its domain-wide delegation and subject") from exc
        except google.auth.exceptions.TransportError as exc:
            raise RetryableError(f"could not reach the token endpoint: {exc}") from exc
        except ValueError as exc:  # truncated or non-JSON 200 body
            raise RetryableError(f"malformed API page: {type(exc).__name__}: {exc}") from exc
        except _TRANSIENT_NETWORK as exc:
            raise RetryableError(f"connection problem: {type(exc).__name__}: {exc}") from exc
        page, (times, identities), data = body
        return Page(items=events_from(data, page.items or (), times, identities),
                    next_token=page.nextPageToken or None)

    def identity(self, item: dict[str, Any]) -> str:
        i = item.get("id") or {}
        return _identity(i.get("applicationName", ""), i.get("customerId", ""), i.get("time", ""), i.get("uniqueQualifier", ""))

    def event_time(self, item: dict[str, Any]) -> str:
        return canonical_instant(str((item.get("id") or {}).get("time", "")))
