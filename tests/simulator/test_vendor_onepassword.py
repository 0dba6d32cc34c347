"""The 1Password Events API fake: ResetCursor then cursor-only bodies, three streams."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from vendor_helpers import BEARER, FakeClock, MakeFake, fakes

from logpull.simulator import parse_rfc3339
from logpull.simulator.vendors.onepassword import STREAMS


@pytest.fixture
def make() -> Iterator[MakeFake]:
    yield from fakes("onepassword")


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(url, json=body, headers=BEARER if headers is None else headers, timeout=10)


def walk(url: str, reset: dict[str, Any]) -> tuple[list[dict[str, Any]], str, list[Any]]:
    """Every item from ``reset`` on; the last cursor; the bodies sent."""
    body: dict[str, Any] = reset
    items, sent = [], []
    while True:
        sent.append(body)
        answer = post(url, body)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        items += page["items"]
        if not page["has_more"]:
            return items, page["cursor"], sent
        body = {"cursor": page["cursor"]}


def seconds(item: dict[str, Any]) -> float:
    return float(parse_rfc3339(item["timestamp"]))


@pytest.mark.parametrize("stream", STREAMS)
def test_a_reset_cursor_walk_reads_the_range_oldest_first_both_edges_inclusive(
    make: MakeFake, stream: str
) -> None:
    sim = make(events=600)
    truth = sim.ground_truth(stream)
    start, end = truth[50]["timestamp"], truth[-50]["timestamp"]
    items, _, sent = walk(f"{sim.url}/api/v1/{stream}",
                          {"limit": 40, "start_time": start, "end_time": end})  # fmt: skip
    expected = [t for t in truth if seconds(truth[50]) <= seconds(t) <= seconds(truth[-50])]
    assert [i["uuid"] for i in items] == [t["uuid"] for t in expected]
    assert items[0]["timestamp"] == start and items[-1]["timestamp"] == end
    assert all(set(body) == {"cursor"} for body in sent[1:])


def test_follow_up_bodies_carry_the_cursor_alone(make: MakeFake) -> None:
    sim = make()
    url = f"{sim.url}/api/v1/auditevents"
    cursor = post(url, {"limit": 10}).json()["cursor"]
    mixed = post(url, {"cursor": cursor, "limit": 10})
    other_stream = post(f"{sim.url}/api/v1/itemusages", {"cursor": cursor})
    garbled = post(url, {"cursor": "bm9wZQ=="})
    for answer in (mixed, other_stream, garbled):
        assert answer.status_code == 400
        assert set(answer.json()["Error"]) == {"Message"}
    assert post(url, {"limit": 1001}).status_code == 400
    assert post(url, {"start_time": "yesterday"}).status_code == 400
    assert requests.get(url, headers=BEARER, timeout=10).status_code == 405


def test_the_last_cursor_picks_up_newer_events_later(make: MakeFake) -> None:
    clock = FakeClock(1_793_491_200 + 86_400.0)  # the timeline's second day has not happened
    sim = make(clock=clock)
    url = f"{sim.url}/api/v1/signinattempts"
    first, cursor, _ = walk(url, {"limit": 1000})
    clock.advance(2 * 86_400)
    later, _, _ = walk(url, {"cursor": cursor})
    assert [i["uuid"] for i in first + later] == [
        t["uuid"] for t in sim.ground_truth("signinattempts")
    ]


def test_late_events_show_up_in_a_fresh_reset_cursor_over_the_same_range(make: MakeFake) -> None:
    clock = FakeClock(1_793_491_200 + 2 * 86_400 + 10.0)
    sim = make(clock=clock, late_fraction=0.2, late_min=3600, late_max=7200)
    reset = {
        "limit": 1000,
        "start_time": "2026-11-01T00:00:00Z",
        "end_time": "2026-11-02T23:59:59Z",
    }
    url = f"{sim.url}/api/v1/itemusages"
    early, _, _ = walk(url, reset)
    clock.advance(7200)
    late, _, _ = walk(url, reset)
    assert len(late) > len(early)
    assert {i["uuid"] for i in early} <= {i["uuid"] for i in late}


def test_rate_limit_and_auth_errors(make: MakeFake) -> None:
    sim = make(rate_limit=1)
    url = f"{sim.url}/api/v2/auditevents"
    assert post(url, {}).status_code == 200
    refused = post(url, {})
    assert refused.status_code == 429
    assert refused.json() == {"Error": {"Message": "Too Many Requests"}}
    assert "Retry-After" not in refused.headers
    assert post(url, {}, headers={"Authorization": "Bearer nope"}).status_code == 401
