"""activities.list request handling: page tokens bound to queries, and validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from simulator_helpers import FakeClock, MakeSim, raw_get, raw_list, reports_service

# -- page tokens ------------------------------------------------------------------------


def first_token(url: str, **query: Any) -> str:
    response = (
        reports_service(url)
        .activities()
        .list(userKey="all", applicationName="login", **query)
        .execute()
    )
    return str(response["nextPageToken"])


@pytest.mark.parametrize(
    "change",
    [
        {"endTime": "2026-11-02T00:00:00.001Z"},
        {"startTime": "2026-11-01T00:00:01Z"},
        {"maxResults": 11},
        {"userKey": "someone@example.com"},
        {"applicationName": "admin"},
        {"eventName": "login_success"},
    ],
)
def test_page_token_is_bound_to_its_query(make_sim: MakeSim, change: dict[str, Any]) -> None:
    sim = make_sim(applications=("login", "admin"))
    query: dict[str, Any] = {
        "userKey": "all",
        "applicationName": "login",
        "startTime": "2026-11-01T00:00:00Z",
        "endTime": "2026-11-02T00:00:00Z",
        "maxResults": 10,
    }
    token = first_token(
        sim.url, **{k: v for k, v in query.items() if k not in ("userKey", "applicationName")}
    )
    request = reports_service(sim.url).activities().list(**{**query, **change}, pageToken=token)
    with pytest.raises(HttpError) as caught:
        request.execute()
    assert caught.value.resp.status == 400
    error = json.loads(caught.value.content)["error"]
    assert error["message"] == "Invalid value for pageToken"
    assert error["errors"][0]["reason"] == "invalid" and error["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("token", ["garbage", "eyJ2IjoxfQ", "", "%%%", "e30"])
def test_garbage_page_token_is_a_400(make_sim: MakeSim, token: str) -> None:
    sim = make_sim()
    status, body = raw_list(sim.url, {"maxResults": "10", "pageToken": token})
    if token == "":
        assert status == 200  # an empty pageToken means "first page", as with Google
    else:
        assert status == 400
        assert body["error"]["message"] == "Invalid value for pageToken"


def test_page_token_expires_after_token_ttl(make_sim: MakeSim) -> None:
    clock = FakeClock()
    sim = make_sim(clock=clock, token_ttl=300)
    token = first_token(sim.url, maxResults=10)
    clock.advance(299)
    status, _ = raw_list(sim.url, {"maxResults": "10", "pageToken": token})
    assert status == 200
    clock.advance(2)
    status, body = raw_list(sim.url, {"maxResults": "10", "pageToken": token})
    assert status == 400
    assert "expired" in body["error"]["errors"][0]["message"]


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "application", "needle"),
    [
        ({"maxResults": "0"}, "login", "[1, 1000]"),
        ({"maxResults": "1001"}, "login", "[1, 1000]"),
        ({"maxResults": "ten"}, "login", "integer"),
        ({"startTime": "2026-11-01 00:00:00Z"}, "login", "startTime"),
        ({"endTime": "2026-11-01T00:00:00"}, "login", "endTime"),
        ({"endTime": "2026-02-30T00:00:00Z"}, "login", "endTime"),
        (
            {"startTime": "2026-11-02T00:00:00Z", "endTime": "2026-11-01T00:00:00Z"},
            "login",
            "after",
        ),
        ({}, "bogus", "applicationName"),
        ({"customerId": "nope"}, "login", "customerId"),
    ],
)
def test_bad_requests_are_400_in_google_format(
    make_sim: MakeSim, params: dict[str, str], application: str, needle: str
) -> None:
    sim = make_sim()
    status, body = raw_list(sim.url, params, application)
    assert status == 400
    error = body["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert needle in error["message"]
    assert error["errors"][0]["domain"] == "global" and error["errors"][0]["reason"] == "invalid"


def test_unknown_path_is_a_404(make_sim: MakeSim) -> None:
    status, _, body = raw_get(make_sim().url, "/admin/reports/v1/nope")
    assert status == 404 and json.loads(body)["error"]["code"] == 404
