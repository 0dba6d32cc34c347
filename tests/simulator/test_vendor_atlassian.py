"""The Atlassian organization audit log fake: epoch-ms inclusive edges, links.next."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from vendor_helpers import BEARER, MakeFake, fakes, get, query

from logpull.simulator import parse_rfc3339

EVENTS = "/admin/v1/orgs/0a1b2c3d-acme-org/events"


@pytest.fixture
def make() -> Iterator[MakeFake]:
    yield from fakes("atlassian")


def ms_of(event: dict[str, Any]) -> int:
    return int(parse_rfc3339(event["attributes"]["time"]) * 1000)


def walk(url: str, **params: Any) -> list[dict[str, Any]]:
    response = get(url, **params)
    data = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        data += body["data"]
        if "next" not in body["links"]:
            assert body["meta"]["next"] is None
            return data
        response = requests.get(body["links"]["next"], headers=BEARER, timeout=10)


def test_from_and_to_are_inclusive_epoch_ms_newest_first(make: MakeFake) -> None:
    sim = make()
    truth = sim.ground_truth()
    lo, hi = ms_of(truth[30]), ms_of(truth[-30])
    data = walk(sim.url + EVENTS, **query(**{"from": lo, "to": hi, "limit": 77}))
    expected = [e for e in truth if lo <= ms_of(e) <= hi]
    assert [e["id"] for e in data] == [e["id"] for e in reversed(expected)]
    assert ms_of(data[0]) == hi and ms_of(data[-1]) == lo


def test_a_cursor_keeps_its_range_and_refuses_another(make: MakeFake) -> None:
    sim = make()
    first = get(sim.url + EVENTS, **query(**{"from": 0, "to": 2**42, "limit": 10})).json()
    cursor = first["meta"]["next"]
    alone = get(sim.url + EVENTS, cursor=cursor, limit=10)
    changed = get(sim.url + EVENTS, cursor=cursor, **query(**{"from": 5}))
    garbled = get(sim.url + EVENTS, cursor="!!")
    assert alone.status_code == 200
    assert alone.json()["data"] == requests.get(first["links"]["next"], headers=BEARER,
                                                timeout=10).json()["data"]  # fmt: skip
    for response in (changed, garbled):
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "INVALID_CURSOR"


def test_429_has_retry_after_and_iso_reset(make: MakeFake) -> None:
    sim = make(rate_limit=1)
    ok = get(sim.url + EVENTS)
    assert ok.headers["X-RateLimit-Limit"] == "1"
    refused = get(sim.url + EVENTS)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Reset"].endswith("Z")
    assert refused.json()["errors"][0]["status"] == "429"


def test_other_org_404_bad_key_401_bad_from_400(make: MakeFake) -> None:
    sim = make()
    assert get(sim.url + "/admin/v1/orgs/else/events").status_code == 404
    assert get(sim.url + EVENTS, headers={"Authorization": "Bearer x"}).status_code == 401
    assert get(sim.url + EVENTS, **query(**{"from": "2026-11-01"})).status_code == 400
