"""Injected faults: what reaches the wire, and what google-api-python-client makes of it."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from simulator_helpers import (
    LIST_PATH,
    MakeSim,
    assert_faults_deterministic_by_seed,
    connect,
    fault_counts,
    only,
    reports_service,
)

PATH = LIST_PATH.format(user="all", app="login") + "?maxResults=5"


def list_once(url: str) -> Any:
    request = (
        reports_service(url).activities().list(userKey="all", applicationName="login", maxResults=5)
    )
    return request.execute()


@pytest.mark.parametrize(
    ("kind", "status", "reason", "domain"),
    [
        ("429", 429, "rateLimitExceeded", "usageLimits"),
        ("403_rate", 403, "userRateLimitExceeded", "usageLimits"),
        ("500", 500, "backendError", "global"),
        ("503", 503, "backendError", "global"),
    ],
)
def test_http_error_faults_raise_http_error(
    make_sim: MakeSim, kind: str, status: int, reason: str, domain: str
) -> None:
    sim = make_sim(**only(kind, retry_after=2.5))
    with pytest.raises(HttpError) as caught:
        list_once(sim.url)
    error = caught.value
    assert error.resp.status == status
    assert error.error_details[0]["reason"] == reason
    assert error.error_details[0]["domain"] == domain
    assert json.loads(error.content)["error"]["code"] == status
    assert error.resp.get("retry-after") == ("2.5" if kind == "429" else None)
    assert sim.stats()["faults"][kind] == 1


def test_retry_after_is_an_integer_when_whole(make_sim: MakeSim) -> None:
    sim = make_sim(**only("429"))
    conn = connect(sim.url)
    conn.request("GET", PATH)
    response = conn.getresponse()
    response.read()
    assert response.status == 429 and response.getheader("Retry-After") == "1"
    conn.request("GET", PATH)  # the connection stays usable after an error response
    assert conn.getresponse().status == 429
    conn.close()


def test_truncated_body_on_the_wire(make_sim: MakeSim) -> None:
    sim = make_sim(**only("truncated"))
    conn = connect(sim.url)
    conn.request("GET", PATH)
    response = conn.getresponse()
    assert response.status == 200
    announced = int(response.getheader("Content-Length", "0"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == announced // 2
    assert caught.value.partial.startswith(b'{"kind":"admin#reports#activities"')
    conn.close()


def test_truncated_body_through_googleapiclient_is_incomplete_read(make_sim: MakeSim) -> None:
    # Not an HttpError and not an OSError: googleapiclient's num_retries does not retry it.
    sim = make_sim(**only("truncated"))
    with pytest.raises(http.client.IncompleteRead):
        list_once(sim.url)


def test_not_json_on_the_wire_and_through_googleapiclient(make_sim: MakeSim) -> None:
    sim = make_sim(**only("not_json"))
    conn = connect(sim.url)
    conn.request("GET", PATH)
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert response.read() == b"<html>oops</html>"
    conn.close()
    # googleapiclient does not raise: JsonModel falls back to returning the raw text.
    assert list_once(sim.url) == "<html>oops</html>"


def test_reset_on_the_wire(make_sim: MakeSim) -> None:
    sim = make_sim(**only("reset"))
    conn = connect(sim.url)
    conn.request("GET", PATH)
    with pytest.raises(ConnectionError):  # ConnectionResetError or RemoteDisconnected
        conn.getresponse()
    conn.close()


def test_reset_through_googleapiclient_is_connection_reset(make_sim: MakeSim) -> None:
    sim = make_sim(**only("reset"))
    with pytest.raises(ConnectionResetError):
        list_once(sim.url)
    assert sim.stats()["faults"]["reset"] >= 1


def test_faults_do_not_change_state(make_sim: MakeSim) -> None:
    """With 40 % faults, a caller that retries the same request gets the fault-free result."""
    sim = make_sim(fault_rate=0.4, events=1500)
    service = reports_service(sim.url)
    items, token, failures = [], None, 0
    while True:
        request = service.activities().list(
            userKey="all", applicationName="login", maxResults=100, pageToken=token
        )
        try:
            response = request.execute()
        except (HttpError, http.client.HTTPException, OSError):
            failures += 1
            continue
        if not isinstance(response, dict):  # the not_json fault
            failures += 1
            continue
        items += response.get("items", [])
        token = response.get("nextPageToken")
        if token is None:
            break
    assert items == sim.ground_truth("login")
    stats = sim.stats()
    assert failures > 0 and sum(stats["faults"].values()) >= failures
    assert stats["pages"] == 15 and stats["items_served"] == 1500
    assert stats["first_page_requests"][0]["count"] == 1


def test_fault_sequence_is_deterministic_by_seed(make_sim: MakeSim) -> None:
    def faults(seed: int) -> dict[str, int]:
        sim = make_sim(seed=seed, fault_rate=0.5, fault_kinds=("429", "500", "503"))
        return fault_counts(sim, PATH)

    assert_faults_deterministic_by_seed(faults)


def test_page_latency_delays_answers(make_sim: MakeSim) -> None:
    sim = make_sim(page_latency=0.2)
    conn = connect(sim.url)
    sock_timeout = 0.1
    conn.timeout = sock_timeout
    conn.request("GET", PATH)
    with pytest.raises(socket.timeout):
        conn.getresponse()
    conn.close()
