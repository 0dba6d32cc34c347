"""The request of each page: the first of a window pass, and the ones that follow a token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.kinds.http_spec import HttpSpec, Stream
from worker.sources.base import Query
from worker.sources.http._times import api_time, covering


@dataclass(frozen=True)
class Outgoing:
    method: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` with its ``{placeholders}`` filled (strings, inside dicts and lists)."""
    if isinstance(value, str) and "{" in value:
        return value.format(**values)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


class Requests:
    """Builds each page's request of one stream (templates filled once)."""

    def __init__(self, spec: HttpSpec, stream: Stream | None, page_size: int, base: str) -> None:
        values = {**spec.vars, **({"stream": stream.name} if stream else {})}
        request = spec.request
        path = fill(stream.url if stream and stream.url else request.url, values)
        self.url = path if path.startswith(("http://", "https://")) else base.rstrip("/") + path
        self.method = request.method
        self.static_params = fill({**request.params, **(stream.params if stream else {})}, values)
        self.static_body = fill({**request.body, **(stream.body if stream else {})}, values)
        window = stream.time_range if stream and stream.time_range else spec.time_range
        self.window, self.pages = window, spec.pages
        in_body = window.location == "body" or (window.location == "auto" and self.method == "POST")
        self.window_in_body = in_body
        self.size = {request.page_size_param: page_size} if request.page_size_param else {}
        self.size_in_body = self.method == "POST"

    def _window(self, query: Query) -> dict[str, Any]:
        window = self.window
        low, high = covering(query.start, query.end, window)
        start, end = (
            api_time(low, window.format, window.grain),
            api_time(high, window.format, window.grain),
        )
        if window.phrase_param and window.phrase:
            return {window.phrase_param: window.phrase.format(start=start, end=end)}
        if not self.window_in_body:
            start, end = str(start), str(end)
        return {str(window.start_param): start, str(window.end_param): end}

    def first(self, query: Query) -> Outgoing:
        params, body = dict(self.static_params), dict(self.static_body)
        (body if self.window_in_body else params).update(self._window(query))
        (body if self.size_in_body else params).update(self.size)
        return Outgoing(self.method, self.url, params, body if self.method == "POST" else None)

    def follow(self, query: Query, token: str) -> Outgoing:
        sending = self.pages.sending
        if sending == "auto":
            sending = "url" if token.startswith(("http://", "https://")) else "param"
        if sending == "url":
            body = self.first(query).body if self.pages.resend_query else dict(self.static_body)
            return Outgoing(self.method, token, {}, body if self.method == "POST" else None)
        start = (
            self.first(query)
            if self.pages.resend_query
            else Outgoing(
                self.method,
                self.url,
                dict(self.static_params),
                dict(self.static_body) if self.method == "POST" else None,
            )
        )
        name = str(self.pages.send_param)
        if sending == "body":
            return Outgoing(
                self.method, self.url, start.params, {**(start.body or {}), name: token}
            )
        return Outgoing(self.method, self.url, {**start.params, name: token}, start.body)
