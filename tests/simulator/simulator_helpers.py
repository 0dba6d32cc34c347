"""Helpers for the Reports API simulator tests: a fake clock and API clients."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from google.auth.credentials import AnonymousCredentials
from googleapiclient.discovery import build

from shared.simulator import ReportsSimulator

# Default timeline is 2026-11-01 .. 2026-11-03; a clock a day later sees every event
# with a normal lag. Never use the real clock in tests: visibility would depend on the date.
AFTER_TIMELINE = datetime(2026, 11, 4, tzinfo=UTC).timestamp()
LIST_PATH = "/admin/reports/v1/activity/users/{user}/applications/{app}"

# make_sim(clock=None, **settings) -> a started simulator (fixture in conftest.py)
MakeSim = Callable[..., ReportsSimulator]


class FakeClock:
    def __init__(self, now: float = AFTER_TIMELINE) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def reports_service(url: str) -> Any:
    """The googleapiclient ``admin reports_v1`` resource pointed at ``url``."""
    return build(
        "admin",
        "reports_v1",
        static_discovery=True,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": url},
    )


def list_all(service: Any, application: str = "login", **query: Any) -> list[list[dict[str, Any]]]:
    """Every page of a query through googleapiclient, as a list of item lists."""
    pages: list[list[dict[str, Any]]] = []
    token = None
    while True:
        request = service.activities().list(
            userKey="all", applicationName=application, pageToken=token, **query
        )
        response = request.execute()
        assert response["kind"] == "admin#reports#activities"
        pages.append(response.get("items", []))
        token = response.get("nextPageToken")
        if token is None:
            return pages


def raw_get(
    url: str, path: str, params: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One GET over plain http.client: status, headers (lower-cased names), body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        conn.request("GET", path + ("?" + urlencode(params) if params else ""))
        response = conn.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, body
    finally:
        conn.close()


def raw_list(
    url: str, params: dict[str, str], application: str = "login"
) -> tuple[int, dict[str, Any]]:
    status, _headers, body = raw_get(url, LIST_PATH.format(user="all", app=application), params)
    return status, json.loads(body)
