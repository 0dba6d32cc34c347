"""The Slack Audit Logs fake: inclusive second edges, newest first, cursor rules."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from vendor_helpers import DAY1, DAY2, FakeClock, MakeFake, fakes, get, query

LOGS = "/audit/v1/logs"


@pytest.fixture
def make() -> Iterator[MakeFake]:
    yield from fakes("slack")


def walk(url: str, **params: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = ""
    while True:
        response = get(url + LOGS, **params, **query(cursor=cursor or None))
        assert response.status_code == 200, response.text
        entries += response.json()["entries"]
        cursor = response.json()["response_metadata"]["next_cursor"]
        if not cursor:
            return entries


def test_oldest_and_latest_are_inclusive_whole_seconds_newest_first(make: MakeFake) -> None:
    sim = make()
    truth = sim.ground_truth()
    oldest, latest = truth[100]["date_create"], truth[-100]["date_create"]
    entries = walk(sim.url, oldest=oldest, latest=latest, limit=200)
    expected = [e for e in truth if oldest <= e["date_create"] <= latest]
    assert [e["id"] for e in entries] == [e["id"] for e in reversed(expected)]
    assert entries[0]["date_create"] == latest
    assert entries[-1]["date_create"] == oldest
    assert all(isinstance(e["date_create"], int) for e in entries)


def test_cursor_is_padded_base64_and_last_page_has_an_empty_next_cursor(make: MakeFake) -> None:
    sim = make()
    first = get(sim.url + LOGS, oldest=DAY1, latest=DAY2, limit=5).json()
    assert first["response_metadata"]["next_cursor"].endswith("=")
    everything = get(sim.url + LOGS, limit=9999).json()
    assert everything["response_metadata"]["next_cursor"] == ""
    assert len(everything["entries"]) == 1500


def test_a_cursor_must_come_back_with_the_same_filters(make: MakeFake) -> None:
    sim = make()
    cursor = get(sim.url + LOGS, oldest=DAY1, latest=DAY2, limit=5).json()["response_metadata"][
        "next_cursor"
    ]
    same = get(sim.url + LOGS, oldest=DAY1, latest=DAY2, limit=5, cursor=cursor)
    alone = get(sim.url + LOGS, cursor=cursor)
    other_limit = get(sim.url + LOGS, oldest=DAY1, latest=DAY2, limit=6, cursor=cursor)
    assert same.status_code == 200
    for response in (alone, other_limit):
        assert response.status_code == 400
        assert response.json() == {"ok": False, "error": "invalid_cursor"}


def test_expired_cursor_and_bad_limit(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, cursor_ttl=30)
    cursor = get(sim.url + LOGS, limit=5).json()["response_metadata"]["next_cursor"]
    clock.advance(31)
    assert get(sim.url + LOGS, limit=5, cursor=cursor).json()["error"] == "invalid_cursor"
    assert get(sim.url + LOGS, limit=10_000).json() == {"ok": False, "error": "invalid_arguments"}
    assert get(sim.url + LOGS, limit=0).status_code == 400


def test_429_carries_retry_after_and_slacks_error_body(make: MakeFake) -> None:
    clock = FakeClock(DAY2 * 1.0 + 86_400 + 10)
    sim = make(clock=clock, rate_limit=1)
    assert get(sim.url + LOGS, limit=1).status_code == 200
    refused = get(sim.url + LOGS, limit=1)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "50"
    assert refused.json() == {"ok": False, "error": "ratelimited"}


def test_auth_and_action_filter(make: MakeFake) -> None:
    sim = make()
    bad = get(sim.url + LOGS, headers={"Authorization": "Bearer xoxp-wrong"})
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_authentication")
    logins = walk(sim.url, action="user_login,user_logout", limit=500)
    assert logins
    assert {e["action"] for e in logins} == {"user_login", "user_logout"}
