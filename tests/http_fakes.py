"""A stand-in for ``requests.Session`` in the http engine's unit tests: queued answers,
every request recorded as it would have gone out (auth applied)."""

from __future__ import annotations

from collections import deque
from typing import Any

import orjson
import requests
from requests.structures import CaseInsensitiveDict

from shared.config import SourceSettings
from worker.sources.http import HttpSource


def answer(
    status: int = 200,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = raw if raw is not None else orjson.dumps(body if body is not None else {})
    response.headers = CaseInsensitiveDict(headers or {})
    response.reason = "OK" if status == 200 else "Error"
    return response


class FakeSession:
    def __init__(self, *answers: requests.Response) -> None:
        self.answers: deque[requests.Response] = deque(answers)
        self.sent: list[requests.PreparedRequest] = []
        self.posts: list[dict[str, Any]] = []
        self.headers: dict[str, str] = {}
        self.token_answers: deque[requests.Response] = deque()

    def request(
        self,
        method: str,
        url: str,
        params: Any = None,
        json: Any = None,
        timeout: float = 0,
        auth: Any = None,
    ) -> requests.Response:
        prepared = requests.Request(
            method, url, params=params, json=json, headers=dict(self.headers)
        ).prepare()
        if auth is not None:
            prepared = auth(prepared)
        self.sent.append(prepared)
        response = self.answers.popleft()
        response.request = prepared
        response.url = str(prepared.url)
        return response

    def post(
        self, url: str, data: Any = None, headers: Any = None, timeout: float = 0, auth: Any = None
    ) -> requests.Response:
        self.posts.append({"url": url, "data": data, "headers": headers})
        return self.token_answers.popleft()


def settings(**spec: Any) -> SourceSettings:
    base: dict[str, Any] = {
        "id": "x",
        "kind": "http",
        "start": "2026-11-01T00:00:00Z",
        "api_endpoint": "http://api.test",
    }
    return SourceSettings(**{**base, **spec})


def source(
    session: FakeSession, secret: str | None = "tok", clock: Any = None, **spec: Any
) -> HttpSource:
    built = HttpSource(settings(**spec).expand()[0], secret, **({"clock": clock} if clock else {}))
    built._session = session  # type: ignore[assignment]
    auth = built._auth
    if hasattr(auth, "session"):
        auth.session = session
    return built
