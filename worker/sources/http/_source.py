"""One stream of a spec-backed kind behind the source port (``worker.sources.base``)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import msgspec
import orjson
import requests

from shared.config import SourceSettings
from shared.errors import PermanentError, RateLimited, RetryableError, TokenRejected
from shared.kinds.http import SpecBacked
from shared.kinds.http_spec import HttpSpec, OAuthClientCredentials, split_path
from worker.sources.base import Ordering, Page, Query, classify_status, events_from, read_file
from worker.sources.http import _auth, _rate
from worker.sources.http._paths import Envelope, Heads, nested
from worker.sources.http._request import Outgoing, Requests, fill
from worker.sources.http._times import record_time, record_times

USER_AGENT = "logpull (http)"
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def create(settings: SourceSettings, secrets: Any) -> HttpSource:
    """The entry point of ``http`` and of every built-in spec-backed kind."""
    return HttpSource(settings, load_secret(settings, getattr(secrets, "load", None)))


def load_secret(settings: SourceSettings, load: Any) -> str | None:
    spec = settings.credentials
    if spec == "anonymous":
        return None
    kind, _, ref = spec.partition(":")
    text = (load or read_file)(kind, ref).strip()
    if not text or ("{" not in text[:1] and not _HEADER_SAFE.fullmatch(text)):
        raise PermanentError(
            f"credentials {kind}:{ref} hold no usable secret (empty, or characters an HTTP "
            "header cannot carry, e.g. a line break inside it)",
            reason="bad_credentials",
        )
    return str(text)


def spec_of(settings: SourceSettings) -> HttpSpec:
    options = settings.kind_options
    if not isinstance(options, SpecBacked):
        raise PermanentError(
            f"source {settings.id}: kind {settings.kind} has no http spec", reason="bad_config"
        )
    return options.spec()


class HttpSource:
    def __init__(
        self,
        settings: SourceSettings,
        secret: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        spec = spec_of(settings)
        stream = spec.stream_named(settings.stream)
        records = stream.records if stream and stream.records else spec.records
        self.ordering: Ordering = records.order
        self._spec, self._records = spec, records
        base = settings.api_endpoint or spec.base_url or ""
        self._requests = Requests(spec, stream, settings.page_size, base)
        pages = spec.pages
        self._envelope = Envelope(
            records.path,
            {
                "token": pages.token_path if pages.token_from in ("body", "next_url") else None,
                "has_more": pages.has_more_path,
                # (a body that is the list of records names no error code: only error bodies do)
                "error": pages.error_code_path if pages.dead_token_codes and records.path else None,
            },
        )
        self._heads = Heads(records)
        self._time_path = split_path(records.time_path)
        self._session = requests.Session()
        self._session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": "application/json", **spec.request.headers}
        )
        auth = spec.auth
        if isinstance(auth, OAuthClientCredentials):  # its URL and client id may be templates
            auth = auth.model_copy(
                update={"token_url": fill(auth.token_url, spec.vars),
                        "client_id": fill(auth.client_id, spec.vars)}
            )  # fmt: skip
        self._auth = _auth.build(auth, secret, settings.credentials, self._session, clock)

    # -- one request ---------------------------------------------------------------------
    def _send(self, out: Outgoing, timeout: float) -> requests.Response:
        def send() -> requests.Response:
            return self._session.request(out.method, out.url, params=out.params or None, json=out.body,
                                         timeout=timeout, auth=self._auth)

        response = send()
        refused = getattr(self._auth, "refused", None)
        if response.status_code == HTTPStatus.UNAUTHORIZED and refused is not None and refused(response.request):
            response = send()  # once more with a renewed token
        return response

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        out = self._requests.follow(query, token) if token else self._requests.first(query)
        try:
            response = self._send(out, min(timeout, 60.0))
        except _TRANSIENT as exc:
            raise RetryableError(f"connection problem: {type(exc).__name__}: {exc}") from exc
        except requests.exceptions.InvalidHeader:  # its message quotes the header: the secret
            raise PermanentError(
                "the credentials cannot be sent in an HTTP header", reason="bad_credentials"
            ) from None
        now = time.time()
        if response.status_code != HTTPStatus.OK:
            raise self._classify(response, token is not None, now)
        return self._page(response, token, now)

    def _classify(self, response: requests.Response, had_token: bool, now: float) -> Exception:
        status, pages = response.status_code, self._spec.pages
        code = self._error_code(response.content)
        detail = f"HTTP {status} {code}: {response.reason}".strip()
        if _rate.slow_down(response, self._spec.rate_limit):
            return RateLimited(
                f"rate limited: {detail}", delay=_rate.wait(response, self._spec.rate_limit, now)
            )
        if had_token and (
            status in pages.dead_token_statuses or (code and code in pages.dead_token_codes)
        ):
            return TokenRejected(f"page token rejected: {detail}")
        return classify_status(status, detail)

    def _error_code(self, content: bytes) -> str:
        try:
            value = nested(orjson.loads(content), split_path(self._spec.pages.error_code_path))
        except orjson.JSONDecodeError:
            return ""
        return value if isinstance(value, str) else ""

    # -- one page ------------------------------------------------------------------------
    def _page(self, response: requests.Response, token: str | None, now: float) -> Page:
        content = response.content
        try:
            envelope = self._envelope.decoder.decode(content)
            raws = self._envelope.records(envelope)
            heads = self._heads.decode(content) if raws else []
        except msgspec.ValidationError as exc:
            raise RetryableError(
                f"malformed API page: not the records the spec names ({exc})"
            ) from exc
        except msgspec.DecodeError as exc:
            raise RetryableError(f"malformed API page: {exc}") from exc
        code = self._envelope.get("error", envelope)
        if (
            token is not None
            and isinstance(code, str)
            and code in self._spec.pages.dead_token_codes
        ):
            raise TokenRejected(f"page token rejected: {code}")
        try:
            times = record_times(self._heads.times(heads), self._records.time_format)
        except (ValueError, TypeError, OverflowError) as exc:
            raise RetryableError(f"malformed API item (no usable time): {exc}") from exc
        items = events_from(content, raws, times, self._heads.identities(heads, raws))
        following = self._next(response, envelope, bool(items), token)
        return Page(
            items=items,
            next_token=following,
            rate=_rate.budget(response, self._spec.rate_limit, now),
        )

    def _next(
        self, response: requests.Response, envelope: Any, any_items: bool, token: str | None
    ) -> str | None:
        pages = self._spec.pages
        if pages.token_from == "link":  # noqa: S105 - a kind of page token, no secret
            found: Any = response.links.get("next", {}).get("url")
        elif pages.token_from == "header":  # noqa: S105 - a kind of page token, no secret
            found = response.headers.get(str(pages.token_header))
        else:
            found = self._envelope.get("token", envelope)
        if found is None or found == "" or not isinstance(found, str | int):
            return None
        if pages.has_more_path and self._envelope.get("has_more", envelope) is False:
            return None
        if (pages.stop_on_empty_page and not any_items) or str(found) == token:
            return None
        return str(found)

    # -- read back from the sink ---------------------------------------------------------
    def identity(self, item: dict[str, Any]) -> str:
        return self._heads.identity(item)

    def event_time(self, item: dict[str, Any]) -> str:
        return record_time(nested(item, self._time_path), self._records.time_format)
