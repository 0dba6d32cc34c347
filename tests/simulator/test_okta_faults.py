"""Injected faults of the Okta simulator: what reaches the wire and what ``requests``
makes of it."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

import http.client
import math
import socket
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests
from simulator_helpers import (
    FakeClock,
    assert_faults_deterministic_by_seed,
    connect,
    fault_counts,
    only,
)
from test_okta_helpers import AUTH, LOGS, MakeOkta, error_of, get, okta_sims

QUERY = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-03T00:00:00Z", "limit": 5}
PATH = LOGS + "?since=2026-11-01T00%3A00%3A00Z&until=2026-11-03T00%3A00%3A00Z&limit=5"


@pytest.fixture
def make_okta() -> Iterator[MakeOkta]:
    yield from okta_sims()


def test_429_has_no_retry_after_and_resets_a_second_later(make_okta: MakeOkta) -> None:
    clock = FakeClock(1_793_750_400.25)
    sim = make_okta(clock=clock, **only("429"))
    response = get(sim.url, QUERY)
    assert response.status_code == 429
    error = error_of(response)
    assert error["errorCode"] == "E0000047"
    assert error["errorSummary"] == "API call exceeded rate limit due to too many requests."
    assert "Retry-After" not in response.headers
    assert response.headers["X-Rate-Limit-Remaining"] == "0"
    reset = int(response.headers["X-Rate-Limit-Reset"])
    assert reset == math.ceil(clock.now) + 1
    server_now = parsedate_to_datetime(response.headers["Date"]).timestamp()
    assert reset - server_now >= 1  # wait until Reset, measured on the server's Date
    assert sim.stats()["faults"]["429"] == 1 and sim.stats()["pages"] == 0


@pytest.mark.parametrize(
    ("kind", "status", "code"), [("500", 500, "E0000009"), ("503", 503, "E0000010")]
)
def test_server_error_faults(make_okta: MakeOkta, kind: str, status: int, code: str) -> None:
    sim = make_okta(**only(kind))
    response = get(sim.url, QUERY)
    assert response.status_code == status and error_of(response)["errorCode"] == code
    assert "X-Rate-Limit-Reset" in response.headers
    assert sim.stats()["faults"][kind] == 1


def test_truncated_body_on_the_wire_and_through_requests(make_okta: MakeOkta) -> None:
    sim = make_okta(**only("truncated"))
    conn = connect(sim.url)
    conn.request("GET", PATH, headers=AUTH)
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Link")
    announced = int(response.getheader("Content-Length", "0"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == announced // 2
    assert caught.value.partial.startswith(b'[{"actor":')
    conn.close()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(sim.url, QUERY)
    assert sim.stats()["pages"] == 0


def test_not_json(make_okta: MakeOkta) -> None:
    sim = make_okta(**only("not_json"))
    response = get(sim.url, QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == b"<html>oops</html>"
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_reset(make_okta: MakeOkta) -> None:
    sim = make_okta(**only("reset"))
    conn = connect(sim.url)
    conn.request("GET", PATH, headers=AUTH)
    with pytest.raises(ConnectionError):  # ConnectionResetError or RemoteDisconnected
        conn.getresponse()
    conn.close()
    with pytest.raises(requests.exceptions.ConnectionError):
        get(sim.url, QUERY)
    assert sim.stats()["faults"]["reset"] == 2


def test_faults_do_not_change_state(make_okta: MakeOkta) -> None:
    """With 40 % faults, a client that retries the same request gets the fault-free result."""
    sim = make_okta(fault_rate=0.4, events=1500)
    http = requests.Session()
    http.headers.update(AUTH)
    link: str | None = sim.url + LOGS
    params: dict[str, Any] | None = {**QUERY, "limit": 100}
    items, failures = [], 0
    while link is not None:
        try:
            response = http.get(link, params=params, timeout=10)
            page = response.json()
        except (requests.RequestException, ValueError):
            failures += 1
            continue
        if response.status_code != 200:
            failures += 1
            continue
        items += page
        link, params = response.links.get("next", {}).get("url"), None
    assert items == sim.ground_truth()
    stats = sim.stats()
    assert failures > 0 and sum(stats["faults"].values()) == failures
    assert stats["pages"] == 15 and stats["items_served"] == 1500
    assert stats["first_page_requests"][0]["count"] == 1


def test_fault_sequence_is_deterministic_by_seed(make_okta: MakeOkta) -> None:
    def faults(seed: int) -> dict[str, int]:
        sim = make_okta(seed=seed, events=50, fault_rate=0.5, fault_kinds=("429", "500", "503"))
        return fault_counts(sim, PATH, AUTH)

    assert_faults_deterministic_by_seed(faults)


def test_page_latency_delays_answers(make_okta: MakeOkta) -> None:
    sim = make_okta(page_latency=0.2)
    conn = connect(sim.url)
    conn.timeout = 0.1
    conn.request("GET", PATH, headers=AUTH)
    with pytest.raises(socket.timeout):
        conn.getresponse()
    conn.close()
    assert len(get(sim.url, QUERY).json()) == 5  # slow, but it answers
