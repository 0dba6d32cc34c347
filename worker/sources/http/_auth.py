"""How requests prove who sends them: bearer, a named header, basic, OAuth 2.0 client
credentials (token cached, renewed before it expires and once on a 401), or a hook.

Each is a ``requests.auth.AuthBase``. A hook is an entry point of group ``logpull.auth``:
``factory(secret: str, options: dict) -> requests.auth.AuthBase`` (request signing such
as Duo's HMAC, or anything else config cannot say). Secrets and tokens are registered
with ``shared.redact``; errors name where a secret came from, never what it holds.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from importlib.metadata import entry_points
from typing import Any

import orjson
import requests
from requests.auth import AuthBase

from shared import redact
from shared.errors import PermanentError, RateLimited, RetryableError
from shared.kinds.http_spec import (
    Auth,
    BasicAuth,
    BearerAuth,
    HeaderAuth,
    HookAuth,
    OAuthClientCredentials,
)

GROUP = "logpull.auth"
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class _Header(AuthBase):
    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.name] = self.value
        return request


class ClientCredentials(AuthBase):
    """OAuth 2.0 client credentials: one access token at a time, fetched when missing or
    due (``renew_before`` ahead of ``expires_in``), dropped when the API refuses it."""

    def __init__(
        self,
        spec: OAuthClientCredentials,
        client_id: str,
        secret: str,
        session: requests.Session,
        *,
        where: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec, self.client_id, self.secret, self.where = spec, client_id, secret, where
        self.session, self.clock = session, clock
        self.token: str | None = None
        self.renew_at = 0.0
        self.fetches = 0
        self._lock = threading.Lock()
        self.timeout = 30.0

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.current()}"
        return request

    def current(self) -> str:
        with self._lock:
            if self.token is None or self.clock() >= self.renew_at:
                self._fetch()
            assert self.token is not None
            return self.token

    def refused(self, request: requests.PreparedRequest) -> bool:
        """The API answered 401 with this token: drop it (once). True when worth a retry."""
        with self._lock:
            if request.headers.get("Authorization") == f"Bearer {self.token}":
                self.token = None
            return True

    def _fetch(self) -> None:
        form = {"grant_type": "client_credentials"}
        if self.spec.scope:
            form["scope"] = self.spec.scope
        headers = {"Accept": "application/json"}
        if self.spec.client_auth == "basic":
            pair = f"{self.client_id}:{self.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form.update(client_id=self.client_id, client_secret=self.secret)
        started = self.clock()
        try:
            response = self.session.post(
                self.spec.token_url, data=form, headers=headers, timeout=self.timeout, auth=None
            )
        except _TRANSIENT as exc:
            raise RetryableError(
                f"token endpoint: connection problem ({type(exc).__name__})"
            ) from None
        body = _json(response)
        status = response.status_code
        if status != HTTPStatus.OK:
            detail = redact.redact(_refusal(status, body))
            if status == HTTPStatus.TOO_MANY_REQUESTS:
                raise RateLimited(f"token endpoint rate limited: {detail}")
            if status >= HTTPStatus.INTERNAL_SERVER_ERROR or status == HTTPStatus.REQUEST_TIMEOUT:
                raise RetryableError(f"token endpoint: server error: {detail}")
            raise PermanentError(
                f"credentials {self.where}: the token endpoint refused client "
                f"{self.client_id} ({detail})",
                reason="bad_credentials",
            )
        token, lifetime = body.get("access_token"), _seconds(body.get("expires_in", 3600))
        if not isinstance(token, str) or not token or lifetime is None or lifetime <= 0:
            raise RetryableError("token endpoint: malformed answer (no access_token / expires_in)")
        redact.register(token)
        self.fetches += 1
        self.token = token
        margin = min(self.spec.renew_before.total_seconds(), lifetime / 2)
        self.renew_at = started + lifetime - margin


def _refusal(status: int, body: dict[str, Any]) -> str:
    """The token endpoint's cause: its ``error`` code and the first line of its
    ``error_description`` (Microsoft's carries the AADSTS code there, then trace ids)."""
    description = body.get("error_description")
    first = description.strip().splitlines()[0][:300] if isinstance(description, str) else ""
    code = body.get("error", "")
    return " ".join(str(part) for part in (f"HTTP {status}", code, first) if part)


def _seconds(value: object) -> float | None:
    """``expires_in``: a number, or a number in a string (as some endpoints send it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _client(spec: OAuthClientCredentials, secret: str, where: str) -> tuple[str, str]:
    if spec.client_id:
        return spec.client_id, secret
    try:
        data = orjson.loads(secret)
        return str(data["client_id"]), str(data["client_secret"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise PermanentError(
            f"credentials {where}: give auth.client_id, or a JSON secret with client_id and "
            "client_secret",
            reason="bad_credentials",
        ) from None


def hook(name: str) -> Callable[..., AuthBase]:
    for entry in entry_points(group=GROUP):
        if entry.name == name:
            factory: Callable[..., AuthBase] = entry.load()
            return factory
    raise PermanentError(
        f"auth hook {name!r}: no entry point of group {GROUP} has this name",
        reason="unknown_auth_hook",
    )


def build(  # noqa: PLR0911 - one return per kind of auth
    spec: Auth,
    secret: str | None,
    where: str,
    session: requests.Session,
    clock: Callable[[], float] = time.monotonic,
) -> AuthBase | None:
    """The auth of a spec with its secret (None: ``credentials = "anonymous"``)."""
    if secret is None:
        return None
    if isinstance(spec, BearerAuth):
        return _Header("Authorization", f"{spec.scheme} {secret}".strip())
    if isinstance(spec, HeaderAuth):
        return _Header(spec.name, spec.prefix + secret)
    if isinstance(spec, BasicAuth):
        user, _, password = (f"{spec.username}:{secret}" if spec.username else secret).partition(
            ":"
        )
        return requests.auth.HTTPBasicAuth(user, password)
    if isinstance(spec, OAuthClientCredentials):
        client_id, client_secret = _client(spec, secret, where)
        redact.register(client_secret)
        return ClientCredentials(spec, client_id, client_secret, session, where=where, clock=clock)
    if isinstance(spec, HookAuth):
        return hook(spec.name)(secret, dict(spec.options))
    return None
