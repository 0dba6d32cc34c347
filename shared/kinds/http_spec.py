"""The spec of a windowed, paginated REST API (``kind = "http"``): data, not code.

One engine (``worker.sources.http``) runs every spec. The spec is validated when the
config loads; every error names its key (``sources[0].window.start_param``). The README's
"Configuring an unseen API" section is the reference of every key below.
"""

from __future__ import annotations

import re
import string
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from shared import ocsf_names
from shared.timeutil import format_duration, parse_duration

Duration = Annotated[
    timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)
]
TimeFormat = Literal["rfc3339", "rfc3339_offset", "epoch_s", "epoch_ms", "date"]
Grain = Literal["ms", "s", "day"]
Scalar = str | int | float | bool
# keys joined by "."; a key holding a dot writes it as "\." (OData's "@odata\.nextLink")
_KEY = r"(?:[^.\s\\]|\\\.)+"
_PATH = re.compile(rf"^{_KEY}(\.{_KEY})*$")
_SPLIT = re.compile(r"(?<!\\)\.")
_DEFAULT_GRAIN: dict[str, Grain] = {
    "rfc3339": "s",
    "rfc3339_offset": "s",
    "epoch_s": "s",
    "epoch_ms": "ms",
    "date": "day",
}


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def split_path(path: str) -> tuple[str, ...]:
    """A dotted JSON path (``attributes.time``) as its keys; ``""`` is the body itself;
    ``\\.`` is a dot inside a key (``@odata\\.nextLink`` is one key)."""
    return tuple(key.replace("\\.", ".") for key in _SPLIT.split(path)) if path else ()


def _dotted(value: str) -> str:
    if value and not _PATH.fullmatch(value):
        raise ValueError(
            f"{value!r} is no dotted JSON path (keys joined by '.', e.g. data.items; "
            "a dot inside a key as '\\.')"
        )
    return value


Path = Annotated[str, BeforeValidator(lambda v: _dotted(v) if isinstance(v, str) else v)]


class Request(_Part):
    method: Literal["GET", "POST"] = "GET"
    url: str  # a path under base_url/api_endpoint, or an absolute URL; {placeholders} from vars
    params: dict[str, Scalar] = Field(default_factory=dict)  # static query parameters
    headers: dict[str, str] = Field(default_factory=dict)  # static headers
    body: dict[str, Any] = Field(default_factory=dict)  # static JSON body fields (POST)
    page_size_param: str | None = None  # e.g. "limit"; where the window goes (query or body)
    page_size_max: int = Field(default=1000, ge=1)
    page_size_default: int | None = Field(default=None, ge=1)  # default: page_size_max

    @model_validator(mode="after")
    def _sizes(self) -> Request:
        if self.page_size_default is not None and self.page_size_default > self.page_size_max:
            raise ValueError("page_size_default is above page_size_max")
        if self.body and self.method == "GET":
            raise ValueError('body needs method = "POST"')
        return self


class Window(_Part):
    """Where the window goes and how the API reads its edges."""

    start_param: str | None = None  # two params ...
    end_param: str | None = None
    phrase_param: str | None = None  # ... or one templated param, e.g. "phrase"
    phrase: str | None = None  # with {start} and {end}, e.g. "created:>={start} created:<={end}"
    location: Literal["query", "body", "auto"] = "auto"  # auto: body for POST, query for GET
    format: TimeFormat = "rfc3339"
    granularity: Grain | None = (
        None  # default: s for rfc3339/epoch_s, ms for epoch_ms, day for date
    )
    start_inclusive: bool = True
    end_inclusive: bool = False
    slack: Duration = timedelta(0)  # ask this much more on each side (undocumented edges)

    @model_validator(mode="after")
    def _one_style(self) -> Window:
        pair, phrase = (self.start_param, self.end_param), (self.phrase_param, self.phrase)
        if any(phrase):
            if not all(phrase) or any(pair):
                raise ValueError(
                    "give phrase_param and phrase (templated), or start_param and end_param, "
                    "not both"
                )
            if "{start}" not in str(self.phrase) or "{end}" not in str(self.phrase):
                raise ValueError("phrase needs both {start} and {end}")
        elif not all(pair):
            raise ValueError("give start_param and end_param (or phrase_param and phrase)")
        return self

    @model_validator(mode="after")
    def _grain_fits_format(self) -> Window:
        finest = {"date": "day", "epoch_s": "s"}.get(self.format, "ms")
        order = ["ms", "s", "day"]
        if order.index(self.grain) < order.index(finest):
            raise ValueError(
                f"granularity {self.grain!r} is finer than format {self.format!r} can write"
            )
        return self

    @property
    def grain(self) -> Grain:
        return self.granularity or _DEFAULT_GRAIN[self.format]


class Pages(_Part):
    """Where the next page's token comes from, how it goes back, and when a pass is done."""

    token_from: Literal["body", "header", "link", "next_url"] = "link"  # noqa: S105 - (no secret) next_url: a URL at token_path
    token_path: Path | None = None  # body / next_url: e.g. response_metadata.next_cursor
    token_header: str | None = None  # header: e.g. X-Next-Cursor
    send_as: Literal["param", "body", "url", "auto"] | None = (
        None  # default: url for link/next_url, else param
    )
    # auto: follow a token that is a URL, send any other as send_param
    send_param: str | None = None  # param/body: the field the token goes in, e.g. cursor
    resend_query: bool = True  # with the token, send the first request's window/static fields again
    has_more_path: Path | None = None  # done when this is false
    stop_on_empty_page: bool = True  # done on a page with no records
    dead_token_statuses: list[int] = Field(default_factory=lambda: [410])
    dead_token_codes: list[str] = Field(
        default_factory=list
    )  # error codes meaning the token is dead
    error_code_path: Path = "error"  # where an error body names its code

    @model_validator(mode="after")
    def _consistent(self) -> Pages:
        if self.token_from in ("body", "next_url") and not self.token_path:
            raise ValueError(f"token_from = {self.token_from!r} needs token_path")
        if self.token_from == "header" and not self.token_header:  # noqa: S105 - no secret
            raise ValueError('token_from = "header" needs token_header')
        if self.sending in ("param", "body", "auto") and not self.send_param:
            raise ValueError(f"send_as = {self.sending!r} needs send_param")
        return self

    @property
    def sending(self) -> str:
        return self.send_as or ("url" if self.token_from in ("link", "next_url") else "param")


class Records(_Part):
    path: Path = ""  # where the list of records is; "" = the body is the list
    time_path: Path  # each record's time, e.g. attributes.time
    time_format: TimeFormat = "rfc3339"
    id_paths: list[Path] = Field(default_factory=list)  # joined; empty = a hash of the record
    order: Literal["newest_first", "oldest_first", "none"] = "newest_first"

    @field_validator("time_path")
    @classmethod
    def _time_needed(cls, value: str) -> str:
        if not value:
            raise ValueError("time_path is needed (the path of each record's own time)")
        return value


class RateLimit(_Part):
    statuses: list[int] = Field(default_factory=lambda: [429])  # always mean "slow down"
    remaining_header: str | None = None  # e.g. X-RateLimit-Remaining
    limit_header: str | None = None  # e.g. X-RateLimit-Limit
    reset_header: str | None = None  # e.g. X-RateLimit-Reset
    reset_format: Literal["epoch", "seconds", "date"] = (
        "epoch"  # epoch s, seconds from now, HTTP date
    )
    zero_remaining_statuses: list[int] = Field(
        default_factory=lambda: [403]
    )  # slow down if remaining = 0
    requests_per_minute: int | None = Field(default=None, ge=2)  # default of the block's budget

    @property
    def reads_budget(self) -> bool:
        return bool(self.limit_header and self.remaining_header and self.reset_header)


class BearerAuth(_Part):
    type: Literal["bearer"]
    scheme: str = "Bearer"


class HeaderAuth(_Part):
    type: Literal["header"]
    name: str  # e.g. X-API-Key
    prefix: str = ""


class BasicAuth(_Part):
    type: Literal["basic"]
    username: str | None = None  # else the secret is "user:password"


class OAuthClientCredentials(_Part):
    type: Literal["oauth2_client_credentials"]
    token_url: str
    client_id: str | None = None  # else the secret is JSON {"client_id", "client_secret"}
    scope: str | None = None
    client_auth: Literal["basic", "body"] = "basic"
    renew_before: Duration = timedelta(seconds=60)


class HookAuth(_Part):
    type: Literal["hook"]
    name: str  # an entry point of group logpull.auth
    options: dict[str, Any] = Field(default_factory=dict)


class NoAuth(_Part):
    type: Literal["none"]


Auth = Annotated[
    BearerAuth | HeaderAuth | BasicAuth | OAuthClientCredentials | HookAuth | NoAuth,
    Field(discriminator="type"),
]


class Stream(_Part):
    """One endpoint of the block: a logical source ``<id>/<name>``."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    url: str | None = None  # default: the block's request.url (with {stream} = name)
    params: dict[str, Scalar] = Field(default_factory=dict)  # added to the block's
    body: dict[str, Any] = Field(default_factory=dict)  # added to the block's
    records: Records | None = None  # default: the block's
    time_range: Window | None = None  # default: the block's (e.g. another time field)
    late_horizon: Duration | None = None


class HttpSpec(_Part):
    base_url: str | None = None  # api_endpoint, when given, replaces it
    vars: dict[str, str] = Field(default_factory=dict)  # values of {placeholders}
    request: Request
    auth: Auth = Field(default_factory=lambda: BearerAuth(type="bearer"))
    time_range: Window  # where the window goes (the block's `window` is its length)
    pages: Pages = Field(default_factory=Pages)
    records: Records
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    streams: list[Stream] = Field(default_factory=list)
    late_horizon_default: Duration = timedelta(
        hours=1
    )  # the block's late_horizon, when it gives none
    # the OCSF mapping of its events (worker.ocsf.MAPPINGS, e.g. "microsoft_graph_audit");
    # none: a built-in kind's own, and the generic class (Base Event) for kind = "http"
    ocsf_mapping: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,64}$")

    @field_validator("ocsf_mapping")
    @classmethod
    def _mapping_known(cls, value: str | None) -> str | None:
        if value is not None and value not in ocsf_names.KNOWN:
            raise ValueError(f"no OCSF mapping named {value!r} (known: {', '.join(sorted(ocsf_names.KNOWN))})")
        return value

    @model_validator(mode="after")
    def _placeholders_known(self) -> HttpSpec:
        known = set(self.vars) | ({"stream"} if self.streams else set())
        templates = [
            ("request.url", self.request.url),
            *((f"request.params.{k}", v) for k, v in self.request.params.items()),
            *((f"request.headers.{k}", v) for k, v in self.request.headers.items()),
            *((f"streams.{s.name}.url", s.url) for s in self.streams),
            *_auth_templates(self.auth),
        ]
        for where, text in templates:
            for name in placeholders(text):
                if name not in known:
                    raise ValueError(
                        f"{where}: unknown placeholder {{{name}}} "
                        f"(known: {', '.join(sorted(known))})"
                    )
        names = [s.name for s in self.streams]
        if len(set(names)) != len(names):
            raise ValueError("streams: two streams of the same name")
        return self

    def stream_named(self, name: str | None) -> Stream | None:
        return next((s for s in self.streams if s.name == name), None)


def _auth_templates(auth: object) -> list[tuple[str, str | None]]:
    """The auth fields that take ``{placeholders}`` (filled from ``vars``)."""
    if isinstance(auth, OAuthClientCredentials):
        return [("auth.token_url", auth.token_url), ("auth.client_id", auth.client_id)]
    return []


def placeholders(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]
