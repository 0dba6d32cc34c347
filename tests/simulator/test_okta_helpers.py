"""Helpers for the Okta System Log simulator tests (no tests here).

Each test module makes its own fixture from ``okta_sims``; conftest.py belongs to the
Reports simulator tests.
"""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from simulator_helpers import started_sims

from logpull.simulator import OktaSimulator, OktaSimulatorSettings, parse_rfc3339

LOGS = "/api/v1/logs"
TOKEN = "test-token"  # noqa: S105 - the simulator's default
AUTH = {"Authorization": f"SSWS {TOKEN}"}
Item = dict[str, Any]
MakeOkta = Callable[..., OktaSimulator]


def okta_sims() -> Iterator[MakeOkta]:
    """Generator behind a ``make_okta(clock=None, **settings)`` fixture: started
    simulators (500 events unless told otherwise), stopped after the test."""

    def build(clock: Callable[[], float], overrides: dict[str, Any]) -> OktaSimulator:
        return OktaSimulator(OktaSimulatorSettings(**{"events": 500, **overrides}), clock=clock)

    yield from started_sims(build)


def session() -> requests.Session:
    http = requests.Session()
    http.headers.update(AUTH)
    return http


def get(url: str, params: dict[str, Any] | None = None, **kwargs: Any) -> requests.Response:
    """One authorised GET of ``/api/v1/logs`` (``headers=`` replaces the auth header)."""
    headers = kwargs.pop("headers", AUTH)
    return requests.get(url + LOGS, params=params, headers=headers, timeout=10, **kwargs)


@dataclass
class Walk:
    pages: list[list[Item]]
    responses: list[requests.Response]

    @property
    def items(self) -> list[Item]:
        return [item for page in self.pages for item in page]


def walk(url: str, params: dict[str, Any], *, max_pages: int = 10_000) -> Walk:
    """Follow rel="next" links from a first request until a page has none."""
    http = session()
    response = http.get(url + LOGS, params=params, timeout=10)
    result = Walk([], [])
    while True:
        assert response.status_code == 200, response.text
        result.pages.append(response.json())
        result.responses.append(response)
        following = response.links.get("next")
        if following is None or len(result.pages) >= max_pages:
            return result
        response = http.get(following["url"], timeout=10)


def key(item: Item) -> tuple[str, str]:
    return item["published"], item["uuid"]


def in_range(items: list[Item], since: str, until: str) -> list[Item]:
    """``since <= published < until``, the simulator's bounded-request semantics."""
    lo, hi = parse_rfc3339(since), parse_rfc3339(until)
    return [item for item in items if lo <= parse_rfc3339(item["published"]) < hi]


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def error_of(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
    assert body["errorLink"] == body["errorCode"] and body["errorId"].startswith("oae")
    return body


def seconds(text: str) -> float:
    return float(parse_rfc3339(text))
