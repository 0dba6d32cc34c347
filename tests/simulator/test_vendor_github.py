"""The GitHub audit log fake: phrase edges, include, order, Link pages, rate limits."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from vendor_helpers import BEARER, DAY1, DAY2, FakeClock, MakeFake, fakes, get

from logpull.simulator.vendors.github import parse_phrase

ORG = "/orgs/acme/audit-log"
PHRASE = "created:>=2026-11-01T00:00:00Z created:<=2026-11-01T23:59:59Z"


@pytest.fixture
def make() -> Iterator[MakeFake]:
    yield from fakes("github")


def walk(url: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    items, pages = [], 0
    response = get(url, **params)
    while True:
        assert response.status_code == 200, response.text
        items += response.json()
        pages += 1
        if "next" not in response.links:
            return items, pages
        response = requests.get(response.links["next"]["url"], headers=BEARER, timeout=10)


def test_a_walk_returns_the_days_events_newest_first_exactly_once(make: MakeFake) -> None:
    sim = make()
    items, pages = walk(sim.url + ORG, phrase=PHRASE, include="all", per_page=100)
    expected = [e for e in sim.ground_truth() if DAY1 * 1000 <= e["@timestamp"] < DAY2 * 1000]
    assert [e["_document_id"] for e in items] == [e["_document_id"] for e in reversed(expected)]
    assert pages == -(-len(expected) // 100)
    assert all(e["created_at"] == e["@timestamp"] for e in items)


def test_include_defaults_to_web_and_git_events_come_only_with_git_or_all(make: MakeFake) -> None:
    sim = make()
    web, _ = walk(sim.url + ORG, phrase=PHRASE, per_page=100)
    git, _ = walk(sim.url + ORG, phrase=PHRASE, per_page=100, include="git")
    both, _ = walk(sim.url + ORG, phrase=PHRASE, per_page=100, include="all")
    assert web and git
    assert not any(e["action"].startswith("git.") for e in web)
    assert all(e["action"].startswith("git.") for e in git)
    assert len(web) + len(git) == len(both)


def test_order_asc_and_per_page_default_30_capped_at_100(make: MakeFake) -> None:
    sim = make()
    first = get(sim.url + ORG, phrase=PHRASE, order="asc").json()
    assert len(first) == 30
    assert [e["@timestamp"] for e in first] == sorted(e["@timestamp"] for e in first)
    assert len(get(sim.url + ORG, phrase=PHRASE, per_page=500).json()) == 100


def test_created_bounds_are_whole_seconds_days_and_inclusive_as_written() -> None:
    now = DAY2 * 1000
    assert parse_phrase("created:>=2026-11-01", now)[:2] == (DAY1 * 1000, 2**62)
    assert parse_phrase("created:<=2026-11-01", now)[:2] == (0, DAY2 * 1000 - 1)
    assert parse_phrase("created:<2026-11-01", now)[:2] == (0, DAY1 * 1000 - 1)
    assert parse_phrase("created:>2026-11-01T00:00:00Z", now)[:2] == (DAY1 * 1000 + 1000, 2**62)
    assert parse_phrase("created:<=2026-11-01T01:00:00+01:00", now)[:2] == (0, DAY1 * 1000 + 999)
    lo, hi, _ = parse_phrase("created:2026-11-01..2026-11-01", now)
    assert (lo, hi) == (DAY1 * 1000, DAY2 * 1000 - 1)
    assert parse_phrase("action:repo.create", now)[:2] == (now - 90 * 86_400_000, 2**62)


def test_an_event_inside_the_last_second_is_included_by_le_and_excluded_by_lt(
    make: MakeFake,
) -> None:
    sim = make(edge_fraction=0.0)
    event = next(e for e in sim.ground_truth() if e["@timestamp"] % 1000)
    second = event["@timestamp"] // 1000
    stamp = f"{_iso(second)}"
    ids_le = {e["_document_id"] for e in walk(sim.url + ORG, phrase=f"created:<={stamp} "
              f"created:>={stamp}", include="all")[0]}  # fmt: skip
    ids_lt = {e["_document_id"] for e in walk(sim.url + ORG, phrase=f"created:<{stamp}",
              include="all", per_page=100)[0]}  # fmt: skip
    assert event["_document_id"] in ids_le
    assert event["_document_id"] not in ids_lt


def test_without_created_only_the_past_three_months_are_searched(make: MakeFake) -> None:
    sim = make(clock=FakeClock(DAY1 + 100 * 86_400))
    assert get(sim.url + ORG, include="all").json() == []
    assert get(sim.url + ORG, include="all", phrase="created:>=2026-10-01").json()


def test_before_cursor_walks_back_to_the_previous_page(make: MakeFake) -> None:
    sim = make()
    page1 = get(sim.url + ORG, phrase=PHRASE, per_page=10)
    page2 = requests.get(page1.links["next"]["url"], headers=BEARER, timeout=10)
    back = requests.get(page2.links["prev"]["url"], headers=BEARER, timeout=10)
    assert back.json() == page1.json()
    assert "first" in page2.links


def test_foreign_garbled_and_expired_cursors_are_422(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, cursor_ttl=60)
    page1 = get(sim.url + ORG, phrase=PHRASE, per_page=10)
    cursor = page1.links["next"]["url"].rsplit("after=", 1)[1]
    other = get(sim.url + ORG, phrase="created:>=2026-11-02", after=cursor)
    garbled = get(sim.url + ORG, phrase=PHRASE, after="MS4nope")
    clock.advance(61)
    expired = requests.get(page1.links["next"]["url"], headers=BEARER, timeout=10)
    for response in (other, garbled, expired):
        assert response.status_code == 422
        assert response.json()["message"] == "Validation Failed"


def test_rate_limit_headers_and_a_403_with_nothing_remaining(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, rate_limit=2)
    first = get(sim.url + ORG, phrase=PHRASE)
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert int(first.headers["x-ratelimit-reset"]) > clock.now
    get(sim.url + ORG, phrase=PHRASE)
    refused = get(sim.url + ORG, phrase=PHRASE)
    assert refused.status_code == 403
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert "rate limit" in refused.json()["message"]
    assert sim.stats()["rate_limited"] == 1
    clock.advance(3600)
    assert get(sim.url + ORG, phrase=PHRASE).status_code == 200


def test_secondary_limit_fault_is_429_with_retry_after(make: MakeFake) -> None:
    sim = make(fault_rate=1.0, fault_kinds=("429",), retry_after=7)
    response = get(sim.url + ORG)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert "secondary rate limit" in response.json()["message"]


def test_bad_token_401_and_unknown_org_404(make: MakeFake) -> None:
    sim = make()
    assert get(sim.url + ORG, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert get(sim.url + "/orgs/other/audit-log").status_code == 404
    assert get(sim.url + "/enterprises/acme-corp/audit-log", phrase=PHRASE).status_code == 200


def _iso(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
