"""A fake of the GitHub audit log REST API, written from GitHub's documentation.

Docs read:
* https://docs.github.com/en/rest/orgs/orgs#get-the-audit-log-for-an-organization and
  https://docs.github.com/en/enterprise-cloud@latest/rest/enterprise-admin/audit-log
  (parameters ``phrase``, ``include`` web|git|all default web, ``after``/``before`` "a
  cursor, as given in the Link header", ``order`` desc|asc default desc, ``per_page``
  default 30 max 100; "By default, the response includes up to 30 events from the past
  three months"; "1,750 queries per hour per user and IP address ... (typically a 403
  or 429 response)").
* https://docs.github.com/en/enterprise-cloud@latest/admin/monitoring-activity-in-your-enterprise/reviewing-audit-logs-for-your-enterprise/using-the-audit-log-api-for-your-enterprise
  ("Timestamps and date fields in the API response are measured in UTC epoch
  milliseconds"; ``@timestamp``, ``_document_id``, ``created_at``).
* https://docs.github.com/en/search-github/getting-started-with-searching-on-github/understanding-the-search-syntax#query-for-dates
  (``created:>=YYYY-MM-DD``, ``>``, ``<``, ``<=``, ``X..Y``, optional ``THH:MM:SS`` and
  ``+00:00``/``Z`` after the date).
* https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
  (``x-ratelimit-limit/-remaining/-used/-reset/-resource``; primary limit: 403 or 429
  with ``x-ratelimit-remaining: 0``; secondary limit: 403 or 429, ``retry-after``).
* https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
  (one ``link`` header, ``<url>; rel="next"``, comma separated).

Where the docs are silent (README.md of this package says so too): a date-only bound
covers its whole UTC day and a bound with a time its whole second or minute (``<=``
includes it, ``<`` excludes it); an unusable cursor or phrase answers 422 "Validation
Failed"; enterprise and organization paths serve the same events.
"""

from __future__ import annotations

import calendar
import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import Field

from logpull.simulator.vendors._app import Headers, Request, Response, VendorApp
from logpull.simulator.vendors._common import COUNTRIES, USERS, token22
from logpull.simulator.vendors._cursor import Cursor, CursorCodec, CursorError, fingerprint
from logpull.simulator.vendors._ratelimit import RateState
from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors._store import Match, Render, generate

DOCS = "https://docs.github.com/rest/orgs/orgs#get-the-audit-log-for-an-organization"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
DEFAULT_WINDOW_MS = 90 * 86_400_000  # "events from the past three months"
_PATH = re.compile(r"/(orgs|enterprises)/([^/]+)/audit-log/?")
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?(Z|[+-]\d\d:?\d\d)?")
_WEB_ACTIONS = (
    ("repo.create", "create"), ("repo.access", "modify"), ("org.add_member", "create"),
    ("team.add_member", "modify"), ("oauth_authorization.create", "authentication"),
    ("protected_branch.update", "modify"), ("org.update_member", "modify"),
    ("repo.destroy", "remove"),
)  # fmt: skip
_GIT_ACTIONS = ("git.clone", "git.fetch", "git.push")


class GitHubSettings(VendorSettings):
    known_fault_kinds = ("403", "429", "500", "502", "503", "reset")
    fault_kinds: tuple[str, ...] = ("403", "429", "500", "502", "503", "reset")
    organization: str = "acme"
    enterprise: str = "acme-corp"
    git_fraction: float = Field(default=0.3, ge=0.0, le=1.0)


class GitHubAuditLog(VendorSimulator[GitHubSettings]):
    """``GET /orgs/{org}/audit-log`` and ``GET /enterprises/{enterprise}/audit-log``."""

    identity = "_document_id"

    def _build(self, settings: GitHubSettings, clock: Callable[[], float]) -> GitHubApp:
        return GitHubApp(settings, {"audit-log": generate(settings, _renderer(settings))}, clock)


def _renderer(settings: GitHubSettings) -> Render:
    def render(rng: random.Random, index: int, time_ms: int) -> tuple[str, dict[str, Any]]:
        ident, user = token22(rng), rng.randrange(200)
        actor = f"{USERS[user % len(USERS)]}{user}"
        repo = f"{settings.organization}/repo-{rng.randrange(40)}"
        body: dict[str, Any] = {"@timestamp": time_ms, "_document_id": ident}
        if rng.random() < settings.git_fraction:
            body |= {
                "action": _GIT_ACTIONS[rng.randrange(3)], "actor": actor, "created_at": time_ms,
                "org": settings.organization, "business": settings.enterprise,
                "repository": repo, "repository_public": False,
                "transport_protocol_name": "http", "transport_protocol": 1,
            }  # fmt: skip
            return ident, body
        action, operation = _WEB_ACTIONS[rng.randrange(len(_WEB_ACTIONS))]
        body |= {
            "action": action, "actor": actor, "actor_id": 1000 + user,
            "actor_location": {"country_code": COUNTRIES[rng.randrange(len(COUNTRIES))]},
            "created_at": time_ms, "operation_type": operation,
            "org": settings.organization, "org_id": 4242, "business": settings.enterprise,
            "repo": repo, "user": f"{USERS[(user + 1) % len(USERS)]}{(user + 7) % 200}",
        }  # fmt: skip
        return ident, body

    return render


class PhraseError(ValueError):
    pass


def parse_phrase(phrase: str, now_ms: int) -> tuple[int, int, Match | None]:
    """The inclusive ms range of the ``created`` qualifiers (default: the past three
    months) and a matcher for ``action:``/``-action:``/``actor:``/``repo:`` terms."""
    lo, hi, seen_created = now_ms - DEFAULT_WINDOW_MS, 2**62, False
    terms: list[tuple[bool, str, str]] = []
    for token in phrase.split():
        negate = token.startswith("-")
        key, sep, value = token.removeprefix("-").partition(":")
        if not sep:
            continue  # free text cannot be searched in the audit log: ignored
        if key == "created":
            if not seen_created:
                lo, seen_created = 0, True
            a, b = _created_range(value)
            lo, hi = max(lo, a), min(hi, b)
        elif key in ("action", "actor", "repo"):
            terms.append((negate, key, value.strip('"')))
    if not terms:
        return lo, hi, None

    def match(body: dict[str, Any]) -> bool:
        for negate, key, value in terms:
            field = body.get("repository", body.get("repo")) if key == "repo" else body.get(key)
            hit = field == value or (key == "action" and str(field).startswith(value + "."))
            if hit == negate:
                return False
        return True

    return lo, hi, match


def _created_range(value: str) -> tuple[int, int]:
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            start, end = _instant(value[len(op) :])
            return {">=": (start, 2**62), ">": (end + 1, 2**62),
                    "<=": (0, end), "<": (0, start - 1)}[op]  # fmt: skip
    if ".." in value:
        first, _, last = value.partition("..")
        lo = 0 if first == "*" else _instant(first)[0]
        hi = 2**62 if last == "*" else _instant(last)[1]
        return lo, hi
    return _instant(value)


def _instant(text: str) -> tuple[int, int]:
    """First and last ms of the day/minute/second ``text`` names."""
    found = _DATE.fullmatch(text)
    if found is None:
        raise PhraseError(f"not a date: {text!r}")
    year, month, day, hour, minute, second, zone = found.groups()
    try:
        base = calendar.timegm((int(year), int(month), int(day), int(hour or 0),
                                int(minute or 0), int(second or 0), 0, 0, 0))  # fmt: skip
        if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):  # noqa: PLR2004
            raise ValueError("out of range")
    except (ValueError, OverflowError) as exc:
        raise PhraseError(str(exc)) from exc
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        base -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    unit = 86_400 if hour is None else 60 if second is None else 1
    return base * 1000, (base + unit) * 1000 - 1


class GitHubApp(VendorApp[GitHubSettings]):
    rate_window = 3600.0
    documented_limit = 1750
    codec = CursorCodec(urlsafe=True, prefix="MS4")

    def route(self, request: Request) -> str | None:
        found = _PATH.fullmatch(request.path)
        if request.method != "GET" or found is None:
            return None
        kind, name = found.groups()
        wanted = self.settings.organization if kind == "orgs" else self.settings.enterprise
        return "audit-log" if name == wanted else None

    def authorized(self, request: Request) -> bool:
        scheme, _, secret = request.headers.get("authorization", "").strip().partition(" ")
        return scheme.lower() in ("bearer", "token") and secret.strip() == self.settings.token

    def list_page(self, stream: str, request: Request) -> tuple[Response, int]:
        params = request.params
        try:
            query = _Query.of(params, int(self.clock() * 1000))
        except (PhraseError, ValueError) as exc:
            return _invalid(str(exc)), 0
        cursor_text = params.get("after") or params.get("before")
        after = None
        if cursor_text:
            try:
                cursor = self.codec.decode(cursor_text, query.fingerprint, self.clock(),
                                           self.settings.cursor_ttl)  # fmt: skip
            except CursorError as exc:
                return _invalid(f"invalid cursor ({exc.reason})", "after"), 0
            after = cursor.position
        backwards = bool(params.get("before")) and not params.get("after")
        descending = query.descending != backwards
        page = self.streams[stream].page(
            query.lo, query.hi, now=self.clock(), limit=query.per_page,
            descending=descending, after=after, match=query.match,
        )  # fmt: skip
        events = list(reversed(page.events)) if backwards else page.events
        links = self._links(request, events, more=page.more, backwards=backwards,
                            paged=bool(cursor_text), fp=query.fingerprint)  # fmt: skip
        body = b"[" + b",".join(_dump(e.body) for e in events) + b"]"
        headers: Headers = (("Link", links),) if links else ()
        return Response(200, body, headers), len(events)

    def _links(self, request: Request, events: list[Any], *, more: bool, backwards: bool,
               paged: bool, fp: str) -> str:  # fmt: skip
        kept = [(k, v) for k, v in request.pairs if k not in ("after", "before", "page")]
        now = self.clock()

        def url(name: str | None, position: Any) -> str:
            extra = [] if name is None else [(name, self.codec.encode(Cursor(fp, position, now)))]
            return f"{request.base_url}{request.path}?{urlencode([*kept, *extra], quote_via=quote)}"

        links = []
        if events and (more if not backwards else True):
            links.append(f'<{url("after", events[-1].position)}>; rel="next"')
        if events and (paged if not backwards else more):
            links.append(f'<{url("before", events[0].position)}>; rel="prev"')
        if paged:
            links.append(f'<{url(None, None)}>; rel="first"')
        return ", ".join(links)

    def rate_headers(self, rate: RateState) -> Headers:
        return (
            ("x-ratelimit-limit", str(rate.limit)),
            ("x-ratelimit-remaining", str(rate.remaining)),
            ("x-ratelimit-reset", str(rate.reset)),
            ("x-ratelimit-used", str(rate.used)),
            ("x-ratelimit-resource", "core"),
        )

    def fault(self, kind: str, request: Request, rate: RateState) -> Response:
        if kind == "403":  # the primary limit, answered the traditional way
            return self.rate_limited(self.quota.exhausted(self.clock()), 0)
        if kind == "429":  # a secondary rate limit: retry-after, budget not exhausted
            seconds = str(max(1, round(self.settings.retry_after)))
            return Response.json(429, {
                "message": "You have exceeded a secondary rate limit. Please wait a few "
                "minutes before you try again.", "documentation_url": RATE_DOCS,
                "status": "429"}, (("retry-after", seconds),))  # fmt: skip
        return super().fault(kind, request, rate)

    def rate_limited(self, rate: RateState, wait: int) -> Response:
        body = {
            "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub "
            "Support for help, please include the request ID.",
            "documentation_url": RATE_DOCS, "status": "403",
        }  # fmt: skip
        return Response.json(403, body, self.rate_headers(rate))

    def unauthorized(self) -> Response:
        return Response.json(401, {"message": "Bad credentials",
                                   "documentation_url": "https://docs.github.com/rest",
                                   "status": "401"})  # fmt: skip

    def server_error(self, status: int) -> Response:
        return Response.json(status, {"message": "Server Error", "status": str(status)})

    def not_found(self, request: Request) -> Response:
        return Response.json(404, {"message": "Not Found", "documentation_url": DOCS,
                                   "status": "404"})  # fmt: skip


class _Query:
    def __init__(
        self,
        span: tuple[int, int],
        match: Match | None,
        params: tuple[str, str, str],
        per_page: int,
    ) -> None:
        (self.lo, self.hi), self.per_page = span, per_page
        include, order, phrase = params
        self.descending = order == "desc"
        base = match
        if include == "web":
            self.match: Match | None = lambda b: not _is_git(b) and (base is None or base(b))
        elif include == "git":
            self.match = lambda b: _is_git(b) and (base is None or base(b))
        else:
            self.match = base
        self.fingerprint = fingerprint({"phrase": phrase, "include": include, "order": order})

    @classmethod
    def of(cls, params: dict[str, str], now_ms: int) -> _Query:
        include = params.get("include", "web")
        order = params.get("order", "desc")
        if include not in ("web", "git", "all"):
            raise ValueError(f"include must be one of web, git, all (got {include!r})")
        if order not in ("asc", "desc"):
            raise ValueError(f"order must be asc or desc (got {order!r})")
        raw = params.get("per_page", "30")
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"per_page must be a positive integer (got {raw!r})")
        phrase = params.get("phrase", "")
        lo, hi, match = parse_phrase(phrase, now_ms)
        return cls((lo, hi), match, (include, order, phrase), min(int(raw), 100))


def _is_git(body: dict[str, Any]) -> bool:
    return str(body.get("action", "")).startswith("git.")


def _dump(body: dict[str, Any]) -> bytes:
    return Response.json(200, body).body


def _invalid(message: str, field: str = "phrase") -> Response:
    return Response.json(422, {
        "message": "Validation Failed",
        "errors": [{"resource": "AuditLog", "field": field, "code": "invalid",
                    "message": message}],
        "documentation_url": DOCS, "status": "422",
    })  # fmt: skip
