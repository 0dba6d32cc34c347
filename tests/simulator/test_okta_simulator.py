"""The Okta System Log simulator over real HTTP, driven with ``requests``."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest
import requests
from simulator_helpers import FakeClock
from test_okta_helpers import (
    AUTH,
    LOGS,
    Item,
    MakeOkta,
    get,
    in_range,
    key,
    okta_sims,
    query_of,
    seconds,
    walk,
)

from logpull.simulator import OktaSimulator, OktaSimulatorSettings

PUBLISHED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
LATE = {"late_fraction": 0.3, "late_min": 3600.0, "late_max": 7200.0, "normal_lag_max": 5.0}


@pytest.fixture
def make_okta() -> Iterator[MakeOkta]:
    yield from okta_sims()


def assert_ascending(items: list[Item]) -> None:
    keys = [key(item) for item in items]
    assert keys == sorted(keys)
    assert len({item["uuid"] for item in items}) == len(items), "duplicates"


# -- generation ---------------------------------------------------------------------------


def test_same_seed_generates_the_same_events_and_another_seed_does_not() -> None:
    settings = OktaSimulatorSettings(seed=7, events=400)
    first = OktaSimulator(settings, clock=FakeClock()).ground_truth()
    again = OktaSimulator(settings, clock=FakeClock()).ground_truth()
    other = OktaSimulator(settings.model_copy(update={"seed": 8})).ground_truth()
    assert first == again
    assert first != other
    assert len(first) == 400


def test_generated_events_look_like_okta_log_events() -> None:
    items = OktaSimulator(OktaSimulatorSettings(events=3000), clock=FakeClock()).ground_truth()
    assert len(items) == 3000
    assert_ascending(items)
    published = Counter(item["published"] for item in items)
    assert all(PUBLISHED.fullmatch(moment) for moment in published)
    assert all("2026-11-01T00:00:00.000Z" <= t < "2026-11-03T00:00:00.000Z" for t in published)
    assert sum(n for n in published.values() if n > 1) >= 0.03 * len(items)  # shared instants
    assert sum(1 for t in published if t.endswith(":00.000Z")) >= 20  # on whole minutes
    assert all(UUID.fullmatch(item["uuid"]) for item in items)
    members = {
        "uuid", "published", "eventType", "version", "severity", "legacyEventType",
        "displayMessage", "actor", "client", "outcome", "transaction", "debugContext",
        "authenticationContext", "securityContext", "target", "request", "device",
    }  # fmt: skip
    assert all(set(item) == members for item in items)
    login = next(i for i in items if i["eventType"] == "user.session.start")
    assert login["displayMessage"] == "User login to Okta" and login["version"] == "0"
    assert login["actor"]["type"] == "User" and login["actor"]["id"].startswith("00u")
    assert "@" in login["actor"]["alternateId"]
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", login["client"]["ipAddress"])
    assert login["outcome"]["result"] in ("SUCCESS", "FAILURE")
    assert len(login["transaction"]["id"]) == 27
    assert login["debugContext"]["debugData"]["requestId"] == login["transaction"]["id"]
    sso = next(i for i in items if i["eventType"] == "user.authentication.sso")
    assert sso["target"][0]["type"] == "AppInstance"
    types = Counter(item["eventType"] for item in items)
    assert len(types) >= 8 and {i["severity"] for i in items} >= {"INFO", "WARN"}


# -- paging -------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["ASCENDING", "DESCENDING"])
def test_paging_a_bounded_range_returns_exactly_since_to_until(
    make_okta: MakeOkta, order: str
) -> None:
    sim = make_okta(events=4000)
    since, until = "2026-11-01T09:30:00Z", "2026-11-02T03:15:30.250+02:00"
    query = {"since": since, "until": until, "limit": 97, "sortOrder": order}
    result = walk(sim.url, query)
    expected = in_range(sim.ground_truth(), since, until)
    if order == "DESCENDING":
        expected.reverse()
    assert result.items == expected
    assert len({item["uuid"] for item in result.items}) == len(expected) > 1000
    assert all(len(page) == 97 for page in result.pages[:-1]) and 0 < len(result.pages[-1]) <= 97
    for response in result.responses:
        assert response.headers["Content-Type"] == "application/json"
        assert response.links["self"]["url"] == response.url
    for response in result.responses[:-1]:
        following = response.links["next"]["url"]
        assert following.startswith(sim.url + LOGS + "?")
        params = query_of(following)
        assert {k: v for k, v in params.items() if k != "after"} == {
            "since": [since], "until": [until], "limit": ["97"], "sortOrder": [order]
        }  # fmt: skip
        assert re.fullmatch(r"[A-Za-z0-9_-]+", params["after"][0])
    assert "next" not in result.responses[-1].links


def test_next_link_only_when_more_exist(make_okta: MakeOkta) -> None:
    sim = make_okta()
    since, until = "2026-11-01T06:00:00Z", "2026-11-01T12:00:00Z"
    total = len(in_range(sim.ground_truth(), since, until))
    exact = walk(sim.url, {"since": since, "until": until, "limit": total})
    assert [len(page) for page in exact.pages] == [total]  # full page, but nothing beyond
    assert "next" not in exact.responses[0].links
    split = walk(sim.url, {"since": since, "until": until, "limit": total - 1})
    assert [len(page) for page in split.pages] == [total - 1, 1]
    empty = get(sim.url, {"since": "2026-10-01T00:00:00Z", "until": "2026-10-02T00:00:00Z"})
    assert empty.status_code == 200 and empty.json() == []
    assert set(empty.links) == {"self"}


def test_since_is_inclusive_and_until_exclusive(make_okta: MakeOkta) -> None:
    sim = make_okta(edge_fraction=0.2)
    truth = sim.ground_truth()
    edge = Counter(i["published"] for i in truth if i["published"].endswith(":00.000Z"))
    moment = edge.most_common(1)[0][0]
    at_edge = [i for i in truth if i["published"] == moment]
    before = walk(sim.url, {"since": "2026-11-01T00:00:00Z", "until": moment, "limit": 1000})
    assert before.items and all(i["published"] < moment for i in before.items)
    assert before.items == [i for i in truth if i["published"] < moment]
    from_edge = walk(sim.url, {"since": moment, "until": "2026-11-04T00:00:00Z", "limit": 1000})
    assert from_edge.items[: len(at_edge)] == at_edge
    assert get(sim.url, {"since": moment, "until": moment}).json() == []
    just_after = moment.replace(".000Z", ".001Z")  # [edge, edge + 1 ms) holds exactly the edge
    assert get(sim.url, {"since": moment, "until": just_after}).json() == at_edge


def test_limit_default_maximum_and_offsets(make_okta: MakeOkta) -> None:
    sim = make_okta(events=2500)
    since, until = "2026-11-01T02:00:00+02:00", "2026-11-04T00:00:00Z"  # +02:00: the start
    assert len(get(sim.url, {"since": since, "until": until}).json()) == 100
    full = walk(sim.url, {"since": since, "until": until, "limit": 1000})
    assert [len(page) for page in full.pages] == [1000, 1000, 500]
    assert full.items == sim.ground_truth()
    for bad in ("1001", "0", "-1", "ten"):
        response = get(sim.url, {"since": since, "until": until, "limit": bad})
        assert response.status_code == 400
        assert response.json()["errorSummary"] == "Api validation failed: limit"


def test_filter_and_keywords_page_like_a_brute_force_filter(make_okta: MakeOkta) -> None:
    sim = make_okta(events=2000)
    truth = sim.ground_truth()
    bounds = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-03T00:00:00Z", "limit": 50}
    failed = walk(
        sim.url,
        {**bounds, "filter": 'eventType eq "user.session.start" and outcome.result eq "FAILURE"'},
    )
    assert failed.items == [
        i for i in truth
        if i["eventType"] == "user.session.start" and i["outcome"]["result"] == "FAILURE"
    ]  # fmt: skip
    assert failed.items
    app = next(i for i in truth if i["eventType"] == "user.authentication.sso")["target"][0]
    by_target = walk(sim.url, {**bounds, "filter": f'target.id eq "{app["id"]}"'})
    assert by_target.items == [i for i in truth if app in (i["target"] or [])]
    person = truth[0]["actor"]["alternateId"]
    keyword = walk(sim.url, {**bounds, "q": f"{person.upper()} login"})
    expected = [i for i in truth if person in strings(i) and "login" in words(i)]
    assert keyword.items == expected and expected


def strings(value: object) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in strings(v)] if isinstance(value, list) else []


def words(item: Item) -> set[str]:
    return {w.lower() for s in strings(item) for w in re.split(r"[\s-]+", s)}


# -- visibility ----------------------------------------------------------------------------


def test_late_events_stay_invisible_until_their_visible_at(make_okta: MakeOkta) -> None:
    clock = FakeClock(seconds("2026-11-03T00:00:00Z") + 60)
    sim = make_okta(clock=clock, **LATE)
    query = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-03T00:00:00Z", "limit": 1000}
    early = walk(sim.url, query).items
    assert early == sim.visible_truth() == sim.visible_truth(at=clock.now)
    assert len(early) < len(sim.ground_truth())
    clock.advance(7200)
    assert walk(sim.url, query).items == sim.ground_truth()


def test_future_events_are_invisible(make_okta: MakeOkta) -> None:
    clock = FakeClock(seconds("2026-11-02T00:00:00Z"))
    sim = make_okta(clock=clock)
    items = walk(sim.url, {"since": "2026-11-01T00:00:00Z", "until": "2026-11-05T00:00:00Z",
                           "limit": 1000}).items  # fmt: skip
    assert items and all(i["published"] < "2026-11-02T00:00:00.000Z" for i in items)
    assert items == sim.visible_truth()


def test_keyset_cursor_does_not_shift_when_late_events_appear(make_okta: MakeOkta) -> None:
    clock = FakeClock(seconds("2026-11-03T00:00:00Z") + 60)
    sim = make_okta(clock=clock, **LATE)
    query = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-03T00:00:00Z", "limit": 50}
    first = get(sim.url, query)
    clock.advance(7200)  # late events appear, before and after the cursor
    rest = walk(sim.url, {**query, "after": query_of(first.links["next"]["url"])["after"][0]})
    cursor = key(first.json()[-1])
    assert rest.items == [i for i in sim.ground_truth() if key(i) > cursor]


def test_polling_always_has_a_next_link_and_misses_no_late_event(make_okta: MakeOkta) -> None:
    clock = FakeClock(seconds("2026-11-02T00:00:00Z"))
    sim = make_okta(clock=clock, **LATE)
    http = requests.Session()
    http.headers.update(AUTH)
    link = f"{sim.url}{LOGS}?since=2026-10-31T00%3A00%3A00Z&limit=200"
    seen: list[Item] = []
    for _ in range(6):  # poll until caught up, then let the clock move on
        while True:
            response = http.get(link, timeout=10)
            assert response.status_code == 200
            page = response.json()
            seen += page
            link = response.links["next"]["url"]  # polling: always present
            assert "until" not in query_of(link)
            if not page:
                break
        clock.advance(86_400 / 2)
    assert sorted(seen, key=key) == sim.ground_truth()  # every event exactly once
    assert sum(1 for a, b in itertools.pairwise(seen) if key(a) > key(b)) > 0


# -- stats, hooks, headers -------------------------------------------------------------------


def test_stats_count_first_page_requests_per_range(make_okta: MakeOkta) -> None:
    sim = make_okta()
    q1 = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}
    q2 = {"since": "2026-11-02T00:00:00Z", "until": "2026-11-03T00:00:00Z"}
    one = walk(sim.url, {**q1, "limit": 300})
    walk(sim.url, {**q1, "limit": 300})
    two = walk(sim.url, {**q2, "limit": 1000})
    assert get(sim.url, q1, headers={}).status_code == 401  # counted as a request only
    stats = sim.stats()
    assert stats["first_page_requests"] == [{**q1, "count": 2}, {**q2, "count": 1}]
    assert stats["pages"] == 2 * len(one.pages) + len(two.pages)
    assert stats["requests"] == stats["pages"] + 1
    assert stats["items_served"] == 2 * len(one.items) + len(two.items)
    assert stats["faults"] == dict.fromkeys(OktaSimulatorSettings().fault_kinds, 0)
    hook = requests.get(sim.url + "/_sim/stats", timeout=10)
    assert hook.status_code == 200 and hook.json() == sim.stats()


def test_truth_hook_needs_no_auth(make_okta: MakeOkta) -> None:
    sim = make_okta(events=300, **LATE)
    response = requests.get(sim.url + "/_sim/truth", timeout=10)
    assert response.status_code == 200 and response.json()["items"] == sim.ground_truth()


def test_rate_limit_headers_count_down_and_are_enforced(make_okta: MakeOkta) -> None:
    clock = FakeClock(seconds("2026-11-04T00:00:30Z"))
    sim = make_okta(clock=clock, rate_limit=3)
    reset = str(int(seconds("2026-11-04T00:01:00Z")))
    answers = [get(sim.url, {"limit": 1}) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-Rate-Limit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["X-Rate-Limit-Limit"] for r in answers} == {"3"}
    assert {r.headers["X-Rate-Limit-Reset"] for r in answers} == {reset}
    assert answers[3].json()["errorCode"] == "E0000047"
    assert parsedate_to_datetime(answers[0].headers["Date"]).timestamp() == clock.now
    clock.advance(30)  # the next minute: a fresh budget
    assert get(sim.url, {"limit": 1}).status_code == 200


def test_start_stop_url_and_context_manager() -> None:
    sim = OktaSimulator(OktaSimulatorSettings(events=10), clock=FakeClock())
    with pytest.raises(RuntimeError):
        _ = sim.url
    with sim:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        url = sim.url
        assert len(get(url).json()) == 10
        with pytest.raises(RuntimeError):
            sim.start()
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        get(url)
