"""The Reports simulator's per-minute quota: beyond it, 429 "Quota exceeded" as Google says it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from logpull.simulator import ReportsSimulator, SimulatorSettings
from simulator_helpers import LIST_PATH

PATH = LIST_PATH.format(user="all", app="login") + "?maxResults=5"


def status(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url + PATH) as response:  # noqa: S310 - a local simulator
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_requests_beyond_the_quota_of_a_clock_minute_are_refused_and_counted() -> None:
    now = [1_800_000_000.0 - 1_800_000_000.0 % 60]
    with ReportsSimulator(SimulatorSettings(events=50, quota_per_minute=3), clock=lambda: now[0]) as sim:
        assert [status(sim.url)[0] for _ in range(3)] == [200, 200, 200]
        code, body = status(sim.url)
        assert code == 429
        error: dict[str, object] = body["error"]  # type: ignore[assignment]
        assert "Quota exceeded for quota metric 'Queries'" in str(error["message"])
        now[0] += 60.0  # the next minute has its own quota
        assert status(sim.url)[0] == 200
        stats = sim.stats()
    assert stats["quota_refusals"] == 1 and stats["requests"] == 5
