"""Helpers for the simulator tests: a fake clock, started simulators, API clients, and
checks both simulators must pass."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

import pytest
from google.auth.credentials import AnonymousCredentials
from googleapiclient.discovery import build
from pydantic import ValidationError

from logpull.simulator import ReportsSimulator

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


class Startable(Protocol):
    @property
    def url(self) -> str: ...
    def start(self) -> str: ...
    def stop(self) -> None: ...
    def stats(self) -> dict[str, Any]: ...


SimT = TypeVar("SimT", bound=Startable)


def started_sims(
    build_sim: Callable[[Callable[[], float], dict[str, Any]], SimT],
) -> Iterator[Callable[..., SimT]]:
    """Generator behind a ``make(clock=None, **settings)`` fixture: simulators built by
    ``build_sim(clock, overrides)`` (a ``FakeClock`` unless told), started, and stopped
    after the test."""
    started: list[SimT] = []

    def make(clock: Callable[[], float] | None = None, **overrides: Any) -> SimT:
        sim = build_sim(clock or FakeClock(), overrides)
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def connect(url: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)


def only(kind: str, **settings: Any) -> dict[str, Any]:
    """Settings that fault every request with ``kind``."""
    return {"fault_rate": 1.0, "fault_kinds": (kind,), **settings}


def fault_counts(
    sim: Startable, path: str, headers: dict[str, str] | None = None
) -> dict[str, int]:
    """The fault counters after 40 GETs of ``path`` on one connection."""
    conn = connect(sim.url)
    for _ in range(40):
        conn.request("GET", path, headers=headers or {})
        conn.getresponse().read()
    conn.close()
    return dict(sim.stats()["faults"])


def assert_faults_deterministic_by_seed(faults: Callable[[int], dict[str, int]]) -> None:
    """``faults(seed)`` (``fault_counts`` at fault_rate 0.5) repeats per seed, varies by it."""
    assert faults(3) == faults(3)
    assert faults(3) != faults(4)
    assert 5 < sum(faults(3).values()) < 35  # noqa: PLR2004


def walk_pages(fetch: Callable[[Any], Any], limit: int) -> list[bytes]:
    """Every blob of a store query, page by page: ``fetch(after)`` returns the page after
    position ``after`` (``None`` first). Pages hold ``limit`` items, except the last."""
    blobs: list[bytes] = []
    after = None
    while True:
        page = fetch(after)
        blobs += page.blobs
        assert len(page.blobs) <= limit
        if not page.more:
            return blobs
        assert len(page.blobs) == limit
        after = page.last


# Settings every simulator rejects (each test adds its own).
BAD_COMMON_SETTINGS: list[dict[str, Any]] = [
    {"start": datetime(2026, 11, 1)},
    {"end": datetime(2026, 10, 1, tzinfo=UTC)},
    {"fault_rate": 1.5},
    {"late_min": 10.0, "late_max": 5.0},
    {"unknown": 1},
]


def assert_defaults_and_frozen(value: Any) -> None:
    """``value`` was made with ``start="2026-11-01T02:00:00+02:00"`` and nothing else."""
    assert value.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert value.timeline_end == datetime(2026, 11, 3, tzinfo=UTC)
    assert value.timeline_end - value.start == timedelta(days=2)
    with pytest.raises(ValidationError):
        value.seed = 2


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
