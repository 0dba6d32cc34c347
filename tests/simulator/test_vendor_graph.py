"""The Microsoft Graph audit-logs fake: its token endpoint (expiring tokens, AADSTS
refusals), OData ``$filter`` on the time field at 100 ns, ``$top``, ``@odata.nextLink``
with ``$skiptoken`` (short and empty pages keep it), 429 with a fractional Retry-After."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from vendor_helpers import FakeClock, MakeFake, fakes

from logpull.simulator.vendors.graph import SCOPE, parse_filter, ticks

TENANT = "00000000-0000-0000-0000-00000000c0de"
CLIENT = "11111111-1111-1111-1111-111111111111"


@pytest.fixture
def make() -> Iterator[MakeFake]:
    yield from fakes("graph")


def token(url: str, **over: str) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": CLIENT, "scope": SCOPE,
            "client_secret": "test-token", **over}  # fmt: skip
    tenant = form.pop("tenant", TENANT)
    return requests.post(f"{url}/{tenant}/oauth2/v2.0/token", data=form, timeout=10)


def bearer(url: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token(url).json()["access_token"]}


def walk(url: str, stream: str, headers: dict[str, str], **params: Any) -> tuple[list[Any], int]:
    """Every item following next links as given; and how many pages were short or empty."""
    items: list[Any] = []
    response = requests.get(f"{url}/v1.0/auditLogs/{stream}", params=params, headers=headers,
                            timeout=10)  # fmt: skip
    short = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["value"]
        link = body.get("@odata.nextLink")
        if link is None:
            return items, short
        short += len(body["value"]) < int(params.get("$top", 1000))
        response = requests.get(link, headers=headers, timeout=10)


def test_tokens_expire_and_refusals_name_an_aadsts_code(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, access_token_ttl=20)
    answer = token(sim.url)
    assert answer.status_code == 200 and answer.json()["expires_in"] == 20
    headers = {"Authorization": "Bearer " + answer.json()["access_token"]}
    assert requests.get(f"{sim.url}/v1.0/auditLogs/signIns", headers=headers,
                        params={"$top": 1}, timeout=10).status_code == 200  # fmt: skip
    clock.advance(21)
    expired = requests.get(f"{sim.url}/v1.0/auditLogs/signIns", headers=headers, timeout=10)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "InvalidAuthenticationToken"
    wrong = token(sim.url, client_secret="nope")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.json()["error_description"].startswith("AADSTS7000215:")
    assert token(sim.url, client_id="other").json()["error_description"].startswith("AADSTS700016")
    assert token(sim.url, tenant="other").status_code == 400
    assert token(sim.url, scope="User.Read").json()["error"] == "invalid_scope"
    assert sim.token_requests == 5  # type: ignore[attr-defined]


def test_filter_ge_le_at_seven_digits_newest_first_and_short_pages(make: MakeFake) -> None:
    sim = make(short_page_rate=0.3)
    truth = sim.ground_truth("directoryAudits")
    low, high = truth[200]["activityDateTime"], truth[-200]["activityDateTime"]
    assert len(low) == 28 and low.endswith("Z")  # 2026-11-01T00:00:00.1234567Z
    items, short = walk(sim.url, "directoryAudits", bearer(sim.url), **{
        "$filter": f"activityDateTime ge {low} and activityDateTime le {high}", "$top": 50})
    expected = [e for e in truth if ticks(low) <= ticks(e["activityDateTime"]) <= ticks(high)]
    assert sorted(e["id"] for e in items) == sorted(e["id"] for e in expected)
    assert len({e["id"] for e in items}) == len(items)
    times = [ticks(e["activityDateTime"]) for e in items]
    assert times == sorted(times, reverse=True) or [t // 10_000 for t in times] == sorted(
        (t // 10_000 for t in times), reverse=True)  # newest first (to the ms)
    assert short > 0  # short (or empty) pages still carried a next link


def test_filter_operators_and_refusals(make: MakeFake) -> None:
    field = "createdDateTime"
    assert parse_filter(f"{field} ge 2026-11-01T00:00:00Z and {field} lt 2026-11-01T00:00:01Z",
                        field) == (ticks("2026-11-01T00:00:00Z"),
                                   ticks("2026-11-01T00:00:01Z") - 1)  # fmt: skip
    assert ticks("2026-11-01T00:00:00.0000001Z") - ticks("2026-11-01T00:00:00Z") == 1
    sim = make()
    headers = bearer(sim.url)
    for bad in ("activityDateTime ge 2026-11-01T00:00:00Z", "createdDateTime ge yesterday",
                "startswith(appDisplayName,'Graph')"):  # fmt: skip
        answer = requests.get(f"{sim.url}/v1.0/auditLogs/signIns", headers=headers,
                              params={"$filter": bad}, timeout=10)  # fmt: skip
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "BadRequest"
    too_big = requests.get(f"{sim.url}/v1.0/auditLogs/signIns", headers=headers,
                           params={"$top": 1001}, timeout=10)  # fmt: skip
    assert too_big.status_code == 400


def test_skiptoken_is_bound_to_its_query_and_the_link_keeps_it(make: MakeFake) -> None:
    sim = make(short_page_rate=0)
    headers = bearer(sim.url)
    first = requests.get(f"{sim.url}/v1.0/auditLogs/signIns", headers=headers,
                         params={"$top": 10}, timeout=10).json()  # fmt: skip
    link = first["@odata.nextLink"]
    assert "$top=10" in link and "$skiptoken=" in link
    changed = link.replace("$top=10", "$top=11")
    assert requests.get(changed, headers=headers, timeout=10).status_code == 400


def test_late_events_appear_later_and_throttling_is_fractional(make: MakeFake) -> None:
    clock = FakeClock()
    sim = make(clock=clock, late_fraction=0.2, late_min=600, late_max=1200,
               fault_rate=1.0, fault_kinds=("429",), retry_after=0.25)  # fmt: skip
    late = sim.late_events("signIns", after=500)
    assert late
    throttled = requests.get(f"{sim.url}/v1.0/auditLogs/signIns", headers=bearer(sim.url),
                             timeout=10)  # fmt: skip
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "0.25"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
