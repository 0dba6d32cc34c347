"""A fake of Microsoft Graph's audit logs (``GET /v1.0/auditLogs/{directoryAudits,signIns}``)
and of the Microsoft identity platform's token endpoint, written from Microsoft's docs.

Docs read:
* learn.microsoft.com/graph/api/directoryaudit-list and /signin-list: ``$filter``
  (``eq``, ``ge``, ``le``, ``startswith``), ``$top``, ``$skiptoken``; signIns "the
  maximum and default page size is 1,000 objects and by default, the most recent
  sign-ins are returned first", "listed in descending order based on createdDateTime";
  bodies ``{"@odata.context", "@odata.nextLink", "value": [...]}``; times with seven
  fractional digits (``2018-01-09T21:20:02.7215374Z``); resources directoryAudit
  (``activityDateTime``, ``activityDisplayName``, ``category``, ``initiatedBy``,
  ``targetResources``, ...) and signIn (``createdDateTime``, ``userPrincipalName``,
  ``status.errorCode``, ``location``, ...).
* learn.microsoft.com/graph/paging: follow ``@odata.nextLink`` as it is (its
  ``$skiptoken`` is opaque); a page may hold fewer items than asked, even none, and
  still carry a next link; paging ends when a page has no next link.
* learn.microsoft.com/graph/throttling and /throttling-limits: 429 with ``Retry-After``
  and the error body ``{"error": {"code": "TooManyRequests", "message", "innerError"}}``;
  identity and access reports: five requests per 10 seconds per app per tenant;
  learn.microsoft.com/graph/errors: 503/504 and ``{"error": {"code", "message"}}``;
  401 ``InvalidAuthenticationToken`` for an expired or missing token.
* learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow:
  ``POST /{tenant}/oauth2/v2.0/token`` (form: ``client_id``, ``scope`` =
  ``https://graph.microsoft.com/.default``, ``client_secret``, ``grant_type`` =
  ``client_credentials``); ``{"token_type": "Bearer", "expires_in", "access_token"}``;
  errors ``{"error", "error_description": "AADSTSnnnn: ...\\r\\nTrace ID: ...",
  "error_codes", "timestamp", "trace_id", "correlation_id"}``.

Where the docs are silent: ``$top`` is 1..1000 on both streams (else 400); ``gt`` and
``lt`` (standard OData) are accepted beside the documented ``ge``/``le``/``eq``, on the
stream's time field only (anything else 400 ``BadRequest``); filter bounds compare at
the events' 100 ns precision; ``short_page_rate`` of pages are cut short (possibly to
none) while keeping the next link; a ``$skiptoken`` honours only the filter and ``$top``
it was issued with, and (``cursor_ttl``) expires with 400 ``BadRequest``.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, urlencode

from pydantic import Field

from logpull.simulator._timefmt import format_ms
from logpull.simulator.vendors._app import Request, Response, VendorApp
from logpull.simulator.vendors._common import COUNTRIES, USERS, ip, parse_int, uuid4
from logpull.simulator.vendors._cursor import Cursor, CursorCodec, CursorError, fingerprint
from logpull.simulator.vendors._ratelimit import RateState
from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import EventLog, generate

MAX_TOP = 1000
SCOPE = "https://graph.microsoft.com/.default"
TIME_FIELD = {"directoryAudits": "activityDateTime", "signIns": "createdDateTime"}
_LIST = re.compile(r"/v1\.0/auditlogs/(directoryaudits|signins)/?", re.IGNORECASE)
_TOKEN = re.compile(r"/([^/]+)/oauth2/v2\.0/token/?")
_CLAUSE = re.compile(r"\s*(\w+)\s+(eq|ge|gt|le|lt)\s+(\S+)\s*", re.IGNORECASE)
_INSTANT = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?(Z|[-+]\d\d:\d\d)")
_TICKS = 10_000_000  # 100 ns units per second


class GraphSettings(VendorSettings):
    """``token`` is the client secret the token endpoint accepts."""

    known_fault_kinds: ClassVar[tuple[str, ...]] = ("429", "500", "503", "504", "reset")
    fault_kinds: tuple[str, ...] = ("429", "503", "504", "reset")
    tenant_id: str = "00000000-0000-0000-0000-00000000c0de"
    client_id: str = "11111111-1111-1111-1111-111111111111"
    access_token_ttl: float = Field(default=3599.0, gt=0.0)  # expires_in, seconds
    short_page_rate: float = Field(default=0.1, ge=0.0, le=1.0)
    retry_after: float = Field(default=0.5, ge=0.0)  # a 429 fault's Retry-After, fractions kept


class GraphAuditLogs(VendorSimulator[GraphSettings]):
    identity = "id"

    def _build(self, settings: GraphSettings, clock: Callable[[], float]) -> GraphApp:
        streams = {
            "directoryAudits": generate(settings, _audit, salt=1),
            "signIns": generate(settings, _sign_in, salt=2),
        }
        return GraphApp(settings, streams, clock)

    @property
    def token_requests(self) -> int:
        return self.app.token_requests  # type: ignore[attr-defined,no-any-return]


def _seven(rng: random.Random, time_ms: int) -> str:
    """The event time with seven fractional digits (the last four below the ms)."""
    return f"{format_ms(time_ms)[:-1]}{rng.randrange(10_000):04d}Z"


_ACTIVITIES = (  # (activityDisplayName, category, operationType, target type)
    ("Add user", "UserManagement", "Add", "User"),
    ("Delete user", "UserManagement", "Delete", "User"),
    ("Update user", "UserManagement", "Update", "User"),
    ("Reset password (by admin)", "UserManagement", "Update", "User"),
    ("Add member to group", "GroupManagement", "Assign", "Group"),
    ("Remove member from group", "GroupManagement", "Unassign", "Group"),
    ("Add application", "ApplicationManagement", "Add", "Application"),
    ("Update application - Certificates and secrets management", "ApplicationManagement",
     "Update", "Application"),
    ("Add member to role", "RoleManagement", "Assign", "Role"),
    ("Update conditional access policy", "Policy", "Update", "Policy"),
)  # fmt: skip


def _audit(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    name, category, operation, target = _ACTIVITIES[rng.randrange(len(_ACTIVITIES))]
    user = rng.randrange(300)
    upn = f"{USERS[user % len(USERS)]}{user}@contoso.com"
    correlation = uuid4(rng)
    ident = f"Directory_{correlation}_{rng.randrange(1, 10**8)}"
    return ident, {
        "id": ident, "category": category, "correlationId": correlation,
        "result": "success" if rng.random() < 0.95 else "failure", "resultReason": "",
        "activityDisplayName": name, "activityDateTime": _seven(rng, time_ms),
        "loggedByService": "Core Directory", "operationType": operation,
        "initiatedBy": {"user": {"id": uuid4(rng), "displayName": None,
                                 "userPrincipalName": upn, "ipAddress": ip(rng)}, "app": None},
        "targetResources": [{"id": uuid4(rng), "displayName": f"{target} {rng.randrange(999)}",
                             "type": target, "userPrincipalName": None, "groupType": None,
                             "modifiedProperties": []}],
        "additionalDetails": [],
    }  # fmt: skip


def _sign_in(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
    user = rng.randrange(300)
    upn = f"{USERS[user % len(USERS)]}{user}@contoso.com"
    failed = rng.random() < 0.1
    ident = uuid4(rng)
    return ident, {
        "id": ident, "createdDateTime": _seven(rng, time_ms),
        "userDisplayName": USERS[user % len(USERS)].title(), "userPrincipalName": upn,
        "userId": uuid4(rng), "appId": "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
        "appDisplayName": "Graph Explorer", "ipAddress": ip(rng), "clientAppUsed": "Browser",
        "correlationId": uuid4(rng), "conditionalAccessStatus": "notApplied",
        "isInteractive": rng.random() < 0.7, "riskDetail": "none", "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none", "riskState": "none", "riskEventTypes": [],
        "resourceDisplayName": "Microsoft Graph",
        "resourceId": "00000003-0000-0000-c000-000000000000",
        "status": {"errorCode": 50126 if failed else 0,
                   "failureReason": "Invalid username or password." if failed else None,
                   "additionalDetails": None},
        "deviceDetail": {"deviceId": "", "displayName": None, "operatingSystem": "Windows 10",
                         "browser": "Edge 120.0", "isCompliant": None, "isManaged": None,
                         "trustType": None},
        "location": {"city": "Redmond", "state": "Washington",
                     "countryOrRegion": COUNTRIES[rng.randrange(len(COUNTRIES))],
                     "geoCoordinates": {"altitude": None, "latitude": 47.68,
                                        "longitude": -122.12}},
        "appliedConditionalAccessPolicies": [],
    }  # fmt: skip


def ticks(text: str) -> int:
    """An OData DateTimeOffset (up to seven fractional digits) in 100 ns since the epoch;
    ``ValueError`` if it is none."""
    found = _INSTANT.fullmatch(text)
    if found is None:
        raise ValueError(f"not a DateTimeOffset: {text!r}")
    whole, fraction, zone = found.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    return int(moment.timestamp()) * _TICKS + int((fraction or "").ljust(7, "0"))


def parse_filter(text: str, field: str) -> tuple[int, int]:
    """The inclusive tick range a ``$filter`` of ``and``-joined comparisons on ``field``
    selects; ``ValueError`` for anything else."""
    lo, hi = 0, 2**63
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        found = _CLAUSE.fullmatch(clause)
        if found is None or found.group(1) != field:
            raise ValueError(f"Invalid filter clause: {clause!r} (only {field} comparisons)")
        op, value = found.group(2).lower(), ticks(found.group(3))
        if op in ("ge", "gt", "eq"):
            lo = max(lo, value + (op == "gt"))
        if op in ("le", "lt", "eq"):
            hi = min(hi, value - (op == "lt"))
    return lo, hi


class GraphApp(VendorApp[GraphSettings]):
    rate_window = 10.0
    documented_limit = 5
    codec = CursorCodec(urlsafe=True)

    def __init__(self, settings: GraphSettings, streams: dict[str, EventLog],
                 clock: Callable[[], float]) -> None:  # fmt: skip
        super().__init__(settings, streams, clock)
        self.token_requests = 0
        self._tokens: dict[str, float] = {}  # access token -> expiry (clock seconds)
        self._token_lock = threading.Lock()
        self._shorts = random.Random(settings.seed)  # noqa: S311 - simulation data
        self._ticks = {
            e.id: ticks(e.body[TIME_FIELD[name]]) for name, log in streams.items()
            for e in log.truth()
        }  # fmt: skip

    # -- the token endpoint ----------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        found = _TOKEN.fullmatch(request.path)
        if found is not None and request.method == "POST":
            return self.issue(found.group(1), request)
        return super().dispatch(request)

    def issue(self, tenant: str, request: Request) -> Response:
        with self._token_lock:
            self.token_requests += 1
        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        refusal = self._refusal(tenant, form)
        if refusal is not None:
            return refusal
        token = "eyJ0eXAiOiJKV1Qi." + base64.urlsafe_b64encode(
            hashlib.sha256(f"{self.clock()}:{self.token_requests}".encode()).digest()
        ).decode().rstrip("=")
        ttl = self.settings.access_token_ttl
        with self._token_lock:
            self._tokens[token] = self.clock() + ttl
        return Response.json(200, {"token_type": "Bearer", "expires_in": math.floor(ttl),
                                   "ext_expires_in": math.floor(ttl), "access_token": token})

    def _refusal(self, tenant: str, form: dict[str, str]) -> Response | None:
        settings = self.settings
        if form.get("grant_type") != "client_credentials":
            return _aad(400, "unsupported_grant_type", 70003, "The app requested an unsupported "
                        "grant type.")  # fmt: skip
        if tenant != settings.tenant_id:
            return _aad(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("client_id") != settings.client_id:
            return _aad(400, "unauthorized_client", 700016, "Application with identifier "
                        f"'{form.get('client_id')}' was not found in the directory.")  # fmt: skip
        if form.get("scope") != SCOPE:
            return _aad(400, "invalid_scope", 1002012, "The provided value for scope is not "
                        "valid. Client credential flows must have a scope value with /.default.")
        if form.get("client_secret") != settings.token:
            return _aad(401, "invalid_client", 7000215, "Invalid client secret provided.")
        return None

    def authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        with self._token_lock:
            expiry = self._tokens.get(token.strip())
        return scheme.lower() == "bearer" and expiry is not None and self.clock() < expiry

    # -- the list endpoints ----------------------------------------------------------
    def route(self, request: Request) -> str | None:
        found = _LIST.fullmatch(request.path)
        if found is None or request.method != "GET":
            return None
        return {"directoryaudits": "directoryAudits", "signins": "signIns"}[found.group(1).lower()]

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        params = request.params
        try:
            top = parse_int(params.get("$top"), MAX_TOP)
            if not 1 <= top <= MAX_TOP:
                raise ValueError(f"Invalid page size specified: '{top}'. Must be between 1 and "
                                 f"{MAX_TOP} inclusive.")  # fmt: skip
            text = params.get("$filter", "")
            lo, hi = parse_filter(text, TIME_FIELD[stream]) if text else (0, 2**63)
        except ValueError as exc:
            return _error(400, "BadRequest", str(exc)), 0
        query = fingerprint({"stream": stream, "filter": text, "top": top})
        after = None
        if params.get("$skiptoken"):
            try:
                cursor = self.codec.decode(params["$skiptoken"], query, self.clock(),
                                           self.settings.cursor_ttl)  # fmt: skip
            except CursorError as exc:
                return _error(400, "BadRequest", f"Invalid $skiptoken ({exc.reason})."), 0
            after = cursor.position
        page = self.streams[stream].page(
            lo // 10_000, hi // 10_000, now=self.clock(), limit=self._size(top),
            descending=True, after=after, match=lambda b: lo <= self._ticks[b["id"]] <= hi,
        )  # fmt: skip
        payload: dict[str, Any] = {
            "@odata.context": f"{request.base_url}/v1.0/$metadata#auditLogs/{stream}",
            "value": [e.body for e in page.events],
        }
        if page.more:  # (a short page can end before the last event it read: keep position)
            position = page.last if page.last is not None else after
            token = self.codec.encode(Cursor(query, position, self.clock()))
            pairs = [(k, v) for k, v in request.pairs if k != "$skiptoken"]
            link = urlencode([*pairs, ("$skiptoken", token)], quote_via=quote, safe="$")
            payload["@odata.nextLink"] = f"{request.base_url}{request.path}?{link}"
        return Response.json(200, payload), len(page.events)

    def _size(self, top: int) -> int:
        """``top``, or (``short_page_rate``) fewer, down to none (a draw per page)."""
        with self._token_lock:
            short = self._shorts.random() < self.settings.short_page_rate
            return self._shorts.randrange(0, top) if short else top

    # -- errors ----------------------------------------------------------------------
    def fault(self, kind: str, request: Request, rate: RateState) -> Response:
        if kind == "429":
            return self._throttled(self.settings.retry_after)
        if kind == "504":
            return self.server_error(504)
        return super().fault(kind, request, rate)

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        return self._throttled(wait)

    def _throttled(self, wait: float) -> Response:
        body = _error(429, "TooManyRequests", "Too many requests.").body
        return Response(429, body, (("Retry-After", f"{wait:g}"),))

    def unauthorized(self) -> Response:
        return _error(401, "InvalidAuthenticationToken",
                      "Lifetime validation failed, the token is expired.")  # fmt: skip

    def server_error(self, status: int) -> Response:
        code = {503: "serviceNotAvailable", 504: "UnknownError"}.get(status, "generalException")
        return _error(status, code, "The service is temporarily unavailable.")

    def not_found(self, request: Request) -> Response:
        return _error(404, "ResourceNotFound", f"Resource not found for the segment "
                      f"'{request.path.rsplit('/', 1)[-1]}'.")  # fmt: skip


def _error(status: int, code: str, message: str) -> Response:
    inner = {"date": "2026-11-01T00:00:00", "request-id": "00000000-0000-0000-0000-000000000000",
             "client-request-id": "00000000-0000-0000-0000-000000000000"}  # fmt: skip
    return Response.json(status, {"error": {"code": code, "message": message,
                                            "innerError": inner}})  # fmt: skip


def _aad(status: int, error: str, code: int, message: str) -> Response:
    return Response.json(status, {
        "error": error,
        "error_description": f"AADSTS{code}: {message}\r\nTrace ID: 0000\r\n"
                             "Correlation ID: 0000\r\nTimestamp: 2026-11-01 00:00:00Z",
        "error_codes": [code], "timestamp": "2026-11-01 00:00:00Z",
        "trace_id": "0000", "correlation_id": "0000",
    })  # fmt: skip
