"""End to end with both lanes busy: `logpull run --until-caught-up` over a source with
two days of history (backfill) and a source that started half an hour ago (its tail is
live); the sink holds every event of both exactly once, and both queues end empty."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.lanes import BACKFILL, LIVE
from shared.timeutil import format_instant
from shared.verify import compare
from tests_e2e_helpers import run_cli

pytestmark = pytest.mark.e2e


def test_a_backfill_and_a_live_source_finish_exactly_once(make_stack: Callable[..., Any],
                                                          simulator: Callable[..., Any]) -> None:
    now = datetime.fromtimestamp((time.time() // 3600 - 1) * 3600, tz=UTC)  # all visible
    sim = simulator(events=6000, seed=21, start=now - timedelta(days=2), end=now, applications=("login", "admin"))
    live_start = now - timedelta(minutes=30)
    stack = make_stack(sim.url, source={"id": "history", "application": "admin",
                                        "start": format_instant(now - timedelta(days=2))},
                       worker={"task_deadline": "2s", "lease": "10s"})
    with stack.config_path.open("a", encoding="utf-8") as config:
        config.write(f'''
[[sources]]
id = "tail"
kind = "google_reports"
application = "login"
start = "{format_instant(live_start)}"
window = "10m"
settle = "1m"
late_horizon = "1m"
page_size = 100
credentials = "anonymous"
api_endpoint = "{sim.url}"
''')
    result = run_cli("run", "-c", str(stack.config_path), "--workers", "2", "--until-caught-up")
    assert result.returncode == 0, result.stderr[-3000:]

    truth = [e for e in sim.ground_truth()
             if e["id"]["applicationName"] == "admin" or e["id"]["time"] >= format_instant(live_start)]
    comparison = compare(truth, stack.committed(), "google_reports")
    assert comparison.expected == len(truth) > 1000
    assert (comparison.missing, comparison.duplicates, comparison.unexpected, comparison.altered) == (0, 0, 0, 0)

    report = json.loads(run_cli("status", "-c", str(stack.config_path), "--json").stdout)
    queue = report["queue"]
    assert (queue["visible"], queue["in_flight"], queue["dlq"]) == (0, 0, 0)
    assert set(queue["lanes"]) == {LIVE, BACKFILL}
    for source in ("history", "tail"):
        windows = report["sources"][source]["windows"]
        assert windows["done"] >= (48 if source == "history" else 3)
        assert (windows["pending"], windows["running"], windows["failed"]) == (0, 0, 0), (source, windows)
