"""GET /api/v1/logs request handling: auth, cursors bound to queries, validation."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simulator_helpers import FakeClock
from test_okta_helpers import LOGS, TOKEN, MakeOkta, error_of, get, okta_sims, query_of

BOUNDS = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z", "limit": 10}


@pytest.fixture
def make_okta() -> Iterator[MakeOkta]:
    yield from okta_sims()


def first_after(url: str, **query: Any) -> str:
    response = get(url, {**BOUNDS, **query})
    assert response.status_code == 200
    return query_of(response.links["next"]["url"])["after"][0]


def assert_bad_after(response: requests.Response, needle: str) -> None:
    assert response.status_code == 400
    error = error_of(response)
    assert error["errorCode"] == "E0000001"
    assert error["errorSummary"] == "Api validation failed: after"
    assert needle in error["errorCauses"][0]["errorSummary"]


# -- auth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "", "SSWS", "SSWS wrong-token", f"Basic {TOKEN}", TOKEN, f"SSWS {TOKEN}x"],
)
def test_missing_or_wrong_token_is_401(make_okta: MakeOkta, header: str | None) -> None:
    sim = make_okta()
    response = get(sim.url, BOUNDS, headers={} if header is None else {"Authorization": header})
    assert response.status_code == 401
    error = error_of(response)
    assert error["errorCode"] == "E0000011" and error["errorSummary"] == "Invalid token provided"
    assert error["errorCauses"] == []
    assert "X-Rate-Limit-Remaining" in response.headers


@pytest.mark.parametrize("scheme", ["SSWS", "Bearer", "ssws", "bearer"])
def test_ssws_and_bearer_tokens_are_accepted(make_okta: MakeOkta, scheme: str) -> None:
    sim = make_okta(token="s3cr3t")  # noqa: S106
    response = get(sim.url, BOUNDS, headers={"Authorization": f"{scheme} s3cr3t"})
    assert response.status_code == 200 and len(response.json()) == 10


# -- cursors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"since": "2026-11-01T00:00:01Z"},
        {"until": "2026-11-02T00:00:00.001Z"},
        {"limit": 11},
        {"sortOrder": "DESCENDING"},
        {"filter": 'severity eq "INFO"'},
        {"q": "login"},
    ],
)
def test_cursor_is_bound_to_its_query(make_okta: MakeOkta, change: dict[str, Any]) -> None:
    sim = make_okta()
    after = first_after(sim.url)
    assert get(sim.url, {**BOUNDS, "after": after}).status_code == 200
    assert_bad_after(get(sim.url, {**BOUNDS, **change, "after": after}), "different query")


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxfQ", "%%%", "e30", "W10", "AAAA"])
def test_garbage_cursor_is_400(make_okta: MakeOkta, cursor: str) -> None:
    sim = make_okta()
    assert_bad_after(get(sim.url, {**BOUNDS, "after": cursor}), "malformed")


def test_empty_after_means_first_page(make_okta: MakeOkta) -> None:
    sim = make_okta()
    assert get(sim.url, {**BOUNDS, "after": ""}).json() == get(sim.url, BOUNDS).json()


def test_polling_cursor_is_not_a_bounded_one(make_okta: MakeOkta) -> None:
    sim = make_okta()
    polling = get(sim.url, {"since": BOUNDS["since"], "limit": 10})
    after = query_of(polling.links["next"]["url"])["after"][0]
    assert_bad_after(get(sim.url, {**BOUNDS, "after": after}), "different query")


def test_cursor_expires_after_cursor_ttl(make_okta: MakeOkta) -> None:
    clock = FakeClock()
    sim = make_okta(clock=clock, cursor_ttl=300)
    after = first_after(sim.url)
    clock.advance(299)
    assert get(sim.url, {**BOUNDS, "after": after}).status_code == 200
    clock.advance(2)
    assert_bad_after(get(sim.url, {**BOUNDS, "after": after}), "expired")


def test_without_cursor_ttl_cursors_never_expire(make_okta: MakeOkta) -> None:
    clock = FakeClock()
    sim = make_okta(clock=clock)
    after = first_after(sim.url)
    clock.advance(365 * 86_400)
    assert get(sim.url, {**BOUNDS, "after": after}).status_code == 200


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"since": "2026-11-01 00:00:00Z"}, "since"),
        ({"until": "2026-11-01T00:00:00"}, "until"),
        ({"until": "2026-02-30T00:00:00Z"}, "until"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "since"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"sortOrder": "ASC"}, "sortOrder"),
        ({"q": "x" * 41}, "q"),
        ({"q": " ".join("abcdefghijk")}, "q"),
    ],
)
def test_bad_parameters_are_400_e0000001(
    make_okta: MakeOkta, params: dict[str, str], parameter: str
) -> None:
    response = get(make_okta().url, params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["errorCode"] == "E0000001"
    assert error["errorSummary"] == f"Api validation failed: {parameter}"
    assert error["errorCauses"][0]["errorSummary"].startswith(f"{parameter}: ")


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ('eventType eqq "user.session.start"', "E0000053"),
        ('eventType eq "x" and', "E0000053"),
        ('(eventType eq "x"', "E0000053"),
        ('display_message eq "x"', "E0000053"),
        ('published gt "2026-11-01T00:00:00Z"', "E0000031"),
    ],
)
def test_bad_filters_are_400(make_okta: MakeOkta, expression: str, code: str) -> None:
    response = get(make_okta().url, {**BOUNDS, "filter": expression})
    assert response.status_code == 400 and error_of(response)["errorCode"] == code


def test_unknown_path_and_method(make_okta: MakeOkta) -> None:
    sim = make_okta()
    missing = requests.get(sim.url + "/api/v1/nope", timeout=10)
    assert missing.status_code == 404 and error_of(missing)["errorCode"] == "E0000007"
    posted = requests.post(sim.url + LOGS, timeout=10)
    assert posted.status_code == 405 and error_of(posted)["errorCode"] == "E0000022"
