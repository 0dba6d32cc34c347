"""The invented Zylo Audit fake: exclusive start, next_url in the body, reset epoch."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from vendor_helpers import FakeClock, MakeFake, fakes, get

EVENTS = "/v2/audit/events"
KEY = {"X-Zylo-Token": "test-token"}


@pytest.fixture
def make() -> Iterator[MakeFake]:
    yield from fakes("zylo")


def walk(url: str, **params: Any) -> list[dict[str, Any]]:
    response = get(url + EVENTS, headers=KEY, **params)
    events = []
    while True:
        assert response.status_code == 200, response.text
        events += response.json()["events"]
        next_url = response.json()["paging"]["next_url"]
        if next_url is None:
            return events
        response = requests.get(next_url, headers=KEY, timeout=10)


def test_since_is_exclusive_until_inclusive_oldest_first(make: MakeFake) -> None:
    sim = make()
    truth = sim.ground_truth()
    since, until = truth[40]["occurred"], truth[-40]["occurred"]
    events = walk(sim.url, since=since, until=until, page_size=64)
    expected = [e for e in truth if since < e["occurred"] <= until]
    assert [e["event_id"] for e in events] == [e["event_id"] for e in expected]
    assert events[0]["occurred"] > since and events[-1]["occurred"] == until


def test_page_token_rules(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, cursor_ttl=120)
    next_url = get(sim.url + EVENTS, headers=KEY, page_size=5).json()["paging"]["next_url"]
    assert "since" not in next_url and "page_token=zpt_" in next_url
    token = next_url.rsplit("page_token=", 1)[1]
    mismatch = get(sim.url + EVENTS, headers=KEY, page_token=token, since=5)
    assert (mismatch.status_code, mismatch.json()["error"]["code"]) == (400, "page_token_mismatch")
    garbled = get(sim.url + EVENTS, headers=KEY, page_token="zpt_!!")  # noqa: S106 - not a secret
    assert garbled.json()["error"]["code"] == "invalid_page_token"
    clock.advance(121)
    expired = requests.get(next_url, headers=KEY, timeout=10)
    assert (expired.status_code, expired.json()["error"]["code"]) == (410, "page_token_expired")


def test_rate_limit_headers_and_429_without_retry_after(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, rate_limit=1)
    ok = get(sim.url + EVENTS, headers=KEY)
    assert ok.headers["X-RateLimit-Remaining"] == "0"
    assert int(ok.headers["X-RateLimit-Reset"]) == (int(clock.now) // 60 + 1) * 60
    refused = get(sim.url + EVENTS, headers=KEY)
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers
    assert refused.json()["error"]["code"] == "rate_limited"


def test_the_key_header_is_required_and_page_size_is_bounded(make: MakeFake) -> None:
    sim = make()
    assert get(sim.url + EVENTS).status_code == 401  # a bearer token is not Zylo's scheme
    assert get(sim.url + EVENTS, headers=KEY, page_size=501).status_code == 400
