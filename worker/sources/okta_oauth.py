"""Okta OAuth 2.0 service apps: client credentials with ``private_key_jwt``, scope
``okta.logs.read`` (what Okta recommends over API tokens for the System Log).

The source signs a short client assertion (RS256; ``iss`` = ``sub`` = the client id,
``aud`` = the token URL, a fresh ``jti``, valid for 5 minutes) with the app's private
key, exchanges it at ``https://<domain>/oauth2/v1/token`` for an access token, and sends
``Authorization: Bearer <token>`` until shortly before the token expires. The signing
is google-auth's (already a runtime dependency): no JWT library of our own.

Every access token is registered with ``shared.redact``; errors name the client id at
most, never the key, the assertion or a token.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from google.auth import crypt, jwt

from shared import redact
from shared.errors import PermanentError, RateLimited, RetryableError

SCOPE = "okta.logs.read"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds; Okta accepts at most an hour
REFRESH_MARGIN = 60.0  # renew this long before expires_in runs out (at most half the lifetime)
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True, repr=False)
class ServiceApp:
    """An Okta service app's credentials (never printed: ``repr`` shows the client id)."""

    client_id: str
    private_key: str
    key_id: str | None = None

    def __repr__(self) -> str:
        return f"ServiceApp(client_id={self.client_id!r})"


def service_app(data: dict[str, Any], where: str) -> ServiceApp | None:
    """The app described by a JSON secret, or None when it is no service app's."""
    if "client_id" not in data and "private_key" not in data:
        return None
    client_id, key, kid = data.get("client_id"), data.get("private_key"), data.get("key_id")
    if not (isinstance(client_id, str) and client_id and isinstance(key, str) and "PRIVATE KEY" in key) or not (
            kid is None or isinstance(kid, str)):
        raise PermanentError(f"credentials {where} hold no usable Okta service app (client_id and private_key, "
                             "a PEM private key, are needed; key_id is optional)", reason="bad_credentials")
    return ServiceApp(client_id, key, kid or None)


class AccessTokens:
    """The current access token of one service app, fetched when missing or about to
    expire. Thread-safe: one fetch at a time."""

    def __init__(self, app: ServiceApp, token_url: str, session: requests.Session, where: str,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self._app, self._url, self._session, self._where = app, token_url, session, where
        self._clock, self._wall = clock, wall
        try:
            self._signer = crypt.RSASigner.from_string(  # type: ignore[no-untyped-call]
                app.private_key, app.key_id)
        except (ValueError, TypeError, IndexError):  # (its messages may quote the key: not shown)
            raise PermanentError(f"credentials {where}: the Okta service app's private_key is not a usable "
                                 "RSA private key (PEM)", reason="bad_credentials") from None
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def header(self, timeout: float) -> str:
        """``Bearer <token>``, fetching a token first if there is none or it is due."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch(timeout)
            assert self._token is not None
            return f"Bearer {self._token}"

    def invalidate(self, header: str) -> None:
        """The API refused this token: fetch another next time (unless already done)."""
        with self._lock:
            if header == f"Bearer {self._token}":
                self._token = None

    def _assertion(self) -> str:
        now = int(self._wall())
        claims = {"iss": self._app.client_id, "sub": self._app.client_id, "aud": self._url, "iat": now,
                  "exp": now + ASSERTION_LIFETIME, "jti": uuid.uuid4().hex}
        signed: bytes = jwt.encode(self._signer, claims)  # type: ignore[no-untyped-call]
        return signed.decode("ascii")

    def _fetch(self, timeout: float) -> None:
        form = {"grant_type": "client_credentials", "scope": SCOPE, "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self._assertion()}
        started = self._clock()
        try:
            response = self._session.post(self._url, data=form, timeout=timeout,
                                          headers={"Accept": "application/json"})
        except _TRANSIENT as exc:
            raise RetryableError(f"Okta token endpoint: connection problem ({type(exc).__name__})") from None
        body = _json(response)
        if response.status_code != 200:
            raise self._refused(response, body)
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float) or lifetime <= 0:
            raise RetryableError("Okta token endpoint: malformed answer (no access_token / expires_in)")
        redact.register(token)
        self._token = token
        self._renew_at = started + lifetime - min(REFRESH_MARGIN, lifetime / 2)

    def _refused(self, response: requests.Response, body: dict[str, Any]) -> Exception:
        status, error = response.status_code, str(body.get("error", "")) or "error"
        detail = redact.redact(f"HTTP {status} {error}: {body.get('error_description', response.reason)}")
        if status == 429:
            return RateLimited(f"Okta token endpoint rate limited: {detail}")
        if status >= 500 or status == 408:
            return RetryableError(f"Okta token endpoint: server error: {detail}")
        # invalid_client, invalid_scope, unauthorized_client... (RFC 6749 5.2): these credentials
        # will not do, for any window: the source fails, not the window
        return PermanentError(f"credentials {self._where}: Okta refused service app {self._app.client_id} "
                              f"({detail})", reason="bad_credentials")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}
