"""What every vendor fake shares: seeded generation, ground truth, late events, faults,
latency, the test hooks and the request log."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

import time

import pytest
import requests
from vendor_helpers import DAY1, FakeClock

from logpull.simulator.vendors import FAKES
from logpull.simulator.vendors.graph import SCOPE, GraphSettings

# name -> (path, method, headers) of one list request
REQUEST = {
    "github": ("/orgs/acme/audit-log?include=all", "GET", {"Authorization": "Bearer test-token"}),
    "slack": ("/audit/v1/logs", "GET", {"Authorization": "Bearer test-token"}),
    "onepassword": ("/api/v1/auditevents", "POST", {"Authorization": "Bearer test-token"}),
    "atlassian": ("/admin/v1/orgs/0a1b2c3d-acme-org/events", "GET",
                  {"Authorization": "Bearer test-token"}),
    "zylo": ("/v2/audit/events", "GET", {"X-Zylo-Token": "test-token"}),
    "graph": ("/v1.0/auditLogs/directoryAudits", "GET", {}),  # a bearer token from its token endpoint
}  # fmt: skip


def graph_bearer(url: str) -> dict[str, str]:
    """An access token from the Graph fake's token endpoint (its default tenant and client)."""
    settings = GraphSettings()
    form = {"grant_type": "client_credentials", "client_id": settings.client_id, "scope": SCOPE,
            "client_secret": settings.token}
    answer = requests.post(f"{url}/{settings.tenant_id}/oauth2/v2.0/token", data=form, timeout=10)
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def call(url: str, name: str) -> requests.Response:
    path, method, headers = REQUEST[name]
    if name == "graph":
        headers = graph_bearer(url)
    body: dict[str, str] | None = {} if method == "POST" else None
    return requests.request(method, url + path, headers=headers, json=body, timeout=10)


@pytest.mark.parametrize("name", sorted(FAKES))
def test_same_seed_same_events_and_identities_are_unique(name: str) -> None:
    sim_class, settings_class = FAKES[name]
    first = sim_class(settings_class(events=300, seed=3), clock=FakeClock()).ground_truth()
    again = sim_class(settings_class(events=300, seed=3), clock=FakeClock()).ground_truth()
    other = sim_class(settings_class(events=300, seed=4), clock=FakeClock()).ground_truth()
    assert first == again != other
    identity = sim_class.identity
    assert len({e[identity] for e in first}) == len(first)


@pytest.mark.parametrize("name", sorted(FAKES))
def test_late_events_are_invisible_until_their_time_comes(name: str) -> None:
    sim_class, settings_class = FAKES[name]
    clock = FakeClock(DAY1 + 2 * 86_400 + 5.0)
    settings = settings_class(events=400, late_fraction=0.25, late_min=3600, late_max=3600)
    sim = sim_class(settings, clock=clock)
    late = sim.late_events(after=600)
    assert late
    before, after = sim.visible_truth(), sim.visible_truth(at=clock.now + 7200)
    pending = [e for e in late if e not in before]
    assert pending, "late events of the last hour are not visible yet"
    assert all(e in after for e in pending)
    assert after == sim.ground_truth()


@pytest.mark.parametrize("name", sorted(FAKES))
def test_faults_stats_truth_hook_and_request_log(name: str) -> None:
    sim_class, settings_class = FAKES[name]
    settings = settings_class(events=50, fault_rate=1.0, fault_kinds=("500",))
    with sim_class(settings, clock=FakeClock()) as sim:
        response = call(sim.url, name)
        assert response.status_code == 500
        assert response.headers["Content-Type"].startswith("application/json")
        truth = requests.get(sim.url + "/_sim/truth", timeout=10).json()["items"]
        assert truth == sim.ground_truth()
        stats = requests.get(sim.url + "/_sim/stats", timeout=10).json()
        assert stats["requests"] == 1 and stats["faults"] == {"500": 1}
        assert [served.status for served in sim.requests()] == [500]


@pytest.mark.parametrize("name", sorted(FAKES))
def test_reset_fault_and_page_latency(name: str) -> None:
    sim_class, settings_class = FAKES[name]
    with sim_class(settings_class(events=20, fault_rate=1.0, fault_kinds=("reset",)),
                   clock=FakeClock()) as sim, pytest.raises(requests.ConnectionError):  # fmt: skip
        call(sim.url, name)
    with sim_class(settings_class(events=20, page_latency=0.2), clock=FakeClock()) as sim:
        began = time.monotonic()
        assert call(sim.url, name).status_code == 200
        assert time.monotonic() - began >= 0.2
        assert sim.stats()["pages"] == 1
