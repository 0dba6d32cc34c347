"""The simulator over real HTTP, driven mostly through google-api-python-client."""

from __future__ import annotations

import http.client
import json
import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
from simulator_helpers import (
    LIST_PATH,
    FakeClock,
    MakeSim,
    list_all,
    raw_get,
    raw_list,
    reports_service,
)

from logpull.simulator import ReportsSimulator, SimulatorSettings, parse_rfc3339

TIME_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
Item = dict[str, Any]


def order_key(item: Item) -> tuple[str, int]:
    return item["id"]["time"], int(item["id"]["uniqueQualifier"])


def in_range(items: list[Item], start: str, end: str, *, inclusive: bool = True) -> list[Item]:
    lo, hi = parse_rfc3339(start), parse_rfc3339(end)

    def inside(item: Item) -> bool:
        moment = parse_rfc3339(item["id"]["time"])
        return lo <= moment and (moment <= hi if inclusive else moment < hi)

    return [item for item in items if inside(item)]


def assert_newest_first(items: list[Item]) -> None:
    keys = [order_key(item) for item in items]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys), "duplicates"


# -- generation ---------------------------------------------------------------------------


def test_same_seed_generates_the_same_events_and_another_seed_does_not() -> None:
    settings = SimulatorSettings(seed=7, events=500, applications=("login", "admin"))
    first = ReportsSimulator(settings, clock=FakeClock()).ground_truth()
    again = ReportsSimulator(settings, clock=FakeClock()).ground_truth()
    other = ReportsSimulator(settings.model_copy(update={"seed": 8})).ground_truth()
    assert first == again
    assert first != other
    assert len(first) == 500


def test_generated_activities_look_like_the_reports_api() -> None:
    sim = ReportsSimulator(SimulatorSettings(events=3000), clock=FakeClock())
    items = sim.ground_truth("login")
    assert len(items) == 3000
    assert_newest_first(items)
    times = Counter(item["id"]["time"] for item in items)
    assert all(TIME_FORMAT.fullmatch(moment) for moment in times)
    assert all("2026-11-01T00:00:00.000Z" <= t < "2026-11-03T00:00:00.000Z" for t in times)
    assert sum(n for n in times.values() if n > 1) >= 0.03 * len(items)  # shared timestamps
    assert sum(1 for t in times if t.endswith(":00.000Z")) >= 20  # events on minute edges
    first = items[0]
    assert first["kind"] == "admin#reports#activity"
    assert first["id"]["applicationName"] == "login"
    assert first["id"]["customerId"] == "C03az79cb"
    assert -(2**63) <= int(first["id"]["uniqueQualifier"]) < 2**63
    assert first["etag"].startswith('"') and first["etag"].endswith('"')
    assert first["actor"]["callerType"] == "USER" and "@" in first["actor"]["email"]
    assert first["events"][0]["type"] == "login"
    assert {"name": "login_type", "value": "google_password"} in [
        p for item in items[:50] for p in item["events"][0]["parameters"]
    ]


# -- paging ---------------------------------------------------------------------------------


def test_paging_with_googleapiclient_returns_exactly_the_range(make_sim: MakeSim) -> None:
    sim = make_sim(events=4000)
    start, end = "2026-11-01T09:30:00Z", "2026-11-02T01:15:30.250+00:00"
    pages = list_all(reports_service(sim.url), startTime=start, endTime=end, maxResults=97)
    items = [item for page in pages for item in page]
    assert items == in_range(sim.ground_truth("login"), start, end)
    assert_newest_first(items)
    assert all(len(page) == 97 for page in pages[:-1]) and 0 < len(pages[-1]) <= 97
    assert len(pages) > 10


def test_default_max_results_is_1000_and_offsets_are_honoured(make_sim: MakeSim) -> None:
    sim = make_sim(events=2500)
    pages = list_all(reports_service(sim.url), startTime="2026-11-01T02:00:00+02:00")
    assert [len(page) for page in pages] == [1000, 1000, 500]
    items = [item for page in pages for item in page]
    assert items == sim.ground_truth("login")  # +02:00 is 2026-11-01T00:00Z, the start


def test_empty_range_omits_items_and_next_page_token(make_sim: MakeSim) -> None:
    sim = make_sim()
    status, body = raw_list(
        sim.url, {"startTime": "2026-10-01T00:00:00Z", "endTime": "2026-10-02T00:00:00Z"}
    )
    assert status == 200
    assert set(body) == {"kind", "etag"}


def test_inclusive_and_exclusive_end_time(make_sim: MakeSim) -> None:
    inclusive, exclusive = make_sim(), make_sim(inclusive_end=False)
    on_edge = [i for i in inclusive.ground_truth("login") if i["id"]["time"].endswith(":00.000Z")]
    edge = on_edge[len(on_edge) // 2]["id"]["time"]
    query = {"startTime": "2026-11-01T00:00:00Z", "endTime": edge, "maxResults": 1000}
    with_end = [i for p in list_all(reports_service(inclusive.url), **query) for i in p]
    without_end = [i for p in list_all(reports_service(exclusive.url), **query) for i in p]
    assert with_end[0]["id"]["time"] == edge
    assert without_end[0]["id"]["time"] < edge
    assert without_end == [i for i in with_end if i["id"]["time"] != edge]
    # startTime is inclusive in both modes
    status, body = raw_list(exclusive.url, {"startTime": edge, "endTime": edge})
    assert status == 200 and "items" not in body  # [edge, edge) is empty
    status, body = raw_list(exclusive.url, {"startTime": edge, "endTime": "2026-11-04T00:00:00Z"})
    assert body["items"][-1]["id"]["time"] == edge


def test_query_parameters_in_any_order_and_token_across_clients(make_sim: MakeSim) -> None:
    sim = make_sim()
    query = {"startTime": "2026-11-01T12:00:00Z", "endTime": "2026-11-02T00:00:00Z"}
    first = (
        reports_service(sim.url)
        .activities()
        .list(userKey="all", applicationName="login", maxResults=10, **query)
        .execute()
    )
    shuffled = {
        "pageToken": first["nextPageToken"],
        "maxResults": "10",
        **dict(reversed(query.items())),
    }
    status, body = raw_list(sim.url, shuffled)
    assert status == 200
    expected = in_range(sim.ground_truth("login"), query["startTime"], query["endTime"])
    assert first["items"] + body["items"] == expected[:20]


def test_applications_are_separate_and_user_key_filters(make_sim: MakeSim) -> None:
    sim = make_sim(applications=("login", "admin"), events=1000)
    service = reports_service(sim.url)
    admin = [i for p in list_all(service, "admin") for i in p]
    assert admin == sim.ground_truth("admin") and len(admin) == 500
    assert all(i["id"]["applicationName"] == "admin" for i in admin)
    assert list_all(service, "drive") == [[]]  # a real application with no events
    email = admin[0]["actor"]["email"]
    mine = service.activities().list(userKey=email, applicationName="admin").execute()
    assert mine["items"] == [i for i in admin if i["actor"]["email"] == email]


# -- visibility ----------------------------------------------------------------------------


LATE = {"late_fraction": 0.3, "late_min": 3600.0, "late_max": 7200.0, "normal_lag_max": 5.0}


def test_late_events_stay_invisible_until_their_visible_at(make_sim: MakeSim) -> None:
    clock = FakeClock(parse_float("2026-11-03T00:00:00Z") + 60)
    sim = make_sim(clock=clock, **LATE)
    service = reports_service(sim.url)
    seen_early = [i for p in list_all(service) for i in p]
    assert seen_early == sim.visible_truth("login")
    assert seen_early == sim.visible_truth("login", at=clock.now)
    assert len(seen_early) < len(sim.ground_truth("login"))
    clock.advance(7200)
    seen_late = [i for p in list_all(service) for i in p]
    assert seen_late == sim.ground_truth("login")


def test_future_events_are_invisible(make_sim: MakeSim) -> None:
    clock = FakeClock(parse_float("2026-11-02T00:00:00Z"))
    sim = make_sim(clock=clock)
    items = [i for p in list_all(reports_service(sim.url)) for i in p]
    assert items and all(i["id"]["time"] < "2026-11-02T00:00:00.000Z" for i in items)
    assert items == sim.visible_truth("login")


def test_keyset_cursor_does_not_shift_when_late_events_appear(make_sim: MakeSim) -> None:
    clock = FakeClock(parse_float("2026-11-03T00:00:00Z") + 60)
    sim = make_sim(clock=clock, **LATE)
    service = reports_service(sim.url)
    first = service.activities().list(userKey="all", applicationName="login", maxResults=50)
    page1 = first.execute()
    clock.advance(7200)  # late events appear, newer and older than the cursor
    rest: list[Item] = []
    token = page1["nextPageToken"]
    while token:
        response = (
            service.activities()
            .list(userKey="all", applicationName="login", maxResults=50, pageToken=token)
            .execute()
        )
        rest += response.get("items", [])
        token = response.get("nextPageToken")
    cursor = order_key(page1["items"][-1])
    assert rest == [i for i in sim.ground_truth("login") if order_key(i) < cursor]


def parse_float(text: str) -> float:
    return float(parse_rfc3339(text))


# -- stats, hooks, HTTP ----------------------------------------------------------------------


def test_stats_count_first_page_requests_per_query(make_sim: MakeSim) -> None:
    sim = make_sim()
    service = reports_service(sim.url)
    q1 = {"startTime": "2026-11-01T00:00:00Z", "endTime": "2026-11-02T00:00:00Z"}
    q2 = {"startTime": "2026-11-02T00:00:00Z", "endTime": "2026-11-03T00:00:00Z"}
    pages = list_all(service, maxResults=300, **q1)
    list_all(service, maxResults=300, **q1)
    other = list_all(service, maxResults=1000, **q2)
    stats = sim.stats()
    assert stats["first_page_requests"] == [
        {"applicationName": "login", **q1, "count": 2},
        {"applicationName": "login", **q2, "count": 1},
    ]
    assert stats["pages"] == stats["requests"] == 2 * len(pages) + len(other)
    assert stats["items_served"] == 2 * sum(map(len, pages)) + sum(map(len, other))
    assert stats["faults"] == dict.fromkeys(SimulatorSettings().fault_kinds, 0)
    status, _, body = raw_get(sim.url, "/_sim/stats")
    assert status == 200 and json.loads(body) == sim.stats()


def test_truth_hook_returns_every_generated_event(make_sim: MakeSim) -> None:
    sim = make_sim(applications=("login", "token"), events=600, **LATE)
    status, _, body = raw_get(sim.url, "/_sim/truth", {"applicationName": "token"})
    assert status == 200 and json.loads(body)["items"] == sim.ground_truth("token")
    _, _, body = raw_get(sim.url, "/_sim/truth")
    assert json.loads(body)["items"] == sim.ground_truth() and len(sim.ground_truth()) == 600
    assert_newest_first(sim.ground_truth())


def test_keep_alive_with_content_length(make_sim: MakeSim) -> None:
    sim = make_sim()
    conn = http.client.HTTPConnection(urlsplit(sim.url).netloc, timeout=10)
    try:
        for max_results in ("1", "1000", "5"):
            conn.request(
                "GET", LIST_PATH.format(user="all", app="login") + "?maxResults=" + max_results
            )
            response = conn.getresponse()
            body = response.read()
            assert response.version == 11 and response.status == 200
            assert int(response.getheader("Content-Length", "-1")) == len(body)
            assert response.getheader("Content-Type", "").startswith("application/json")
            assert len(json.loads(body)["items"]) == int(max_results)
        assert conn.sock is not None  # still the same connection
    finally:
        conn.close()


def test_start_stop_and_url() -> None:
    sim = ReportsSimulator(SimulatorSettings(events=10), clock=FakeClock())
    with pytest.raises(RuntimeError):
        _ = sim.url
    url = sim.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url) and sim.url == url
    with pytest.raises(RuntimeError):
        sim.start()
    kept_alive = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    kept_alive.request("GET", "/_sim/stats")
    kept_alive.getresponse().read()
    sim.stop()
    sim.stop()
    with pytest.raises(ConnectionError):
        raw_get(url, "/_sim/stats")
    with pytest.raises(ConnectionError):  # open keep-alive connections are cut too
        kept_alive.request("GET", "/_sim/stats")
        kept_alive.getresponse()
    kept_alive.close()
