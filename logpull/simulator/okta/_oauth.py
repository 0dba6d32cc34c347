"""Okta's org authorization server for OAuth 2.0 service apps, as far as the System Log
needs it: ``POST /oauth2/v1/token`` with ``grant_type=client_credentials`` and a
``private_key_jwt`` client assertion, answered with short-lived access tokens that
``GET /api/v1/logs`` then accepts as ``Authorization: Bearer <token>``.

The assertion is checked as Okta checks it: RS256 signature by the client's registered
public key, ``iss`` = ``sub`` = the client id, ``aud`` = the token URL, ``exp`` at most an
hour after ``iat``, a ``jti`` never seen before; the scope must be ``okta.logs.read``.
Refusals are OAuth error bodies (``{"error", "error_description"}``), 401 for a client
that cannot be authenticated, 400 for the rest.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from google.auth import exceptions as google_exceptions
from google.auth import jwt

TOKEN_PATH = "/oauth2/v1/token"
SCOPE = "okta.logs.read"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 3600


class OAuthRefusal(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def body(self) -> bytes:
        return json.dumps({"error": self.error, "error_description": self.description}).encode()


class AuthorizationServer:
    """Registered service apps (client id -> public key PEM) and the tokens issued."""

    def __init__(self, clients: Mapping[str, str], ttl: float, clock: Callable[[], float]) -> None:
        self._clients, self._ttl, self._clock = dict(clients), ttl, clock
        self._tokens: dict[str, float] = {}  # access token -> expiry (clock)
        self._seen_jti: set[str] = set()
        self._lock = threading.Lock()
        self.requests = 0  # token requests, refused ones too

    def token(self, body: bytes, token_url: str) -> tuple[int, bytes]:
        with self._lock:
            self.requests += 1
        try:
            access = self._issue(dict(parse_qsl(body.decode("utf-8", "replace"))), token_url)
        except OAuthRefusal as refusal:
            return refusal.status, refusal.body()
        return 200, json.dumps({"token_type": "Bearer", "expires_in": int(self._ttl), "access_token": access,
                                "scope": SCOPE}).encode()

    def accepts(self, access_token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(access_token)
        return expiry is not None and self._clock() < expiry

    def expire_all(self) -> None:
        """Test hook: every token issued so far is expired (as after a revocation)."""
        with self._lock:
            self._tokens.clear()

    def _issue(self, form: dict[str, str], token_url: str) -> str:
        if form.get("grant_type") != "client_credentials":
            raise OAuthRefusal(400, "unsupported_grant_type", "The grant type is not supported.")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise OAuthRefusal(401, "invalid_client", "Client authentication failed.")
        client_id = self._verify(form["client_assertion"], token_url)
        if form.get("client_id", client_id) != client_id:
            raise OAuthRefusal(401, "invalid_client", "client_id does not match the assertion.")
        if SCOPE not in form.get("scope", "").split():
            raise OAuthRefusal(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        access = "sim-at-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access] = self._clock() + self._ttl
        return access

    def _verify(self, assertion: str, token_url: str) -> str:
        try:
            header = json.loads(base64.urlsafe_b64decode(assertion.split(".")[0] + "=="))
            claims = jwt.decode(assertion, verify=False)  # type: ignore[no-untyped-call]
        except (ValueError, google_exceptions.GoogleAuthError):
            raise OAuthRefusal(401, "invalid_client", "The client_assertion is not a JWT.") from None
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise OAuthRefusal(401, "invalid_client", "The client_assertion must be signed with RS256.")
        client_id = str(claims.get("iss", ""))
        key = self._clients.get(client_id)
        if key is None:
            raise OAuthRefusal(401, "invalid_client", "The client is unknown.")
        try:
            claims = jwt.decode(  # type: ignore[no-untyped-call]
                assertion, certs=key, audience=token_url, clock_skew_in_seconds=30)
        except (ValueError, google_exceptions.GoogleAuthError):
            raise OAuthRefusal(401, "invalid_client", "The client_assertion signature or claims are invalid.") from None
        lifetime = float(claims.get("exp", 0)) - float(claims.get("iat", 0))
        if claims.get("sub") != client_id or not 0 < lifetime <= MAX_ASSERTION_LIFETIME:
            raise OAuthRefusal(401, "invalid_client", "The client_assertion claims are invalid.")
        jti = str(claims.get("jti", ""))
        with self._lock:
            if not jti or jti in self._seen_jti:
                raise OAuthRefusal(401, "invalid_client", "The client_assertion jti was already used.")
            self._seen_jti.add(jti)
        return client_id
