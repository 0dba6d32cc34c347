"""End to end: `logpull run --until-caught-up` in a subprocess, 4 worker processes,
a moto server and the simulator over HTTP; the sink is compared event by event."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any
from datetime import UTC, datetime, timedelta

import pytest

from shared.verify import compare
from tests_e2e_helpers import log_lines, run_cli

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_two_days_four_workers_exactly_once_with_continuations(make_stack: Callable[..., Any], api: Any) -> None:
    sim = api.start(events=20_000, seed=11, start=START, end=START + timedelta(days=2), page_latency=0.1)
    stack = make_stack(
        sim.url,
        source=api.source(end="2026-11-03T00:00:00Z", page_size=50),
        worker={"task_deadline": "1s", "lease": "10s"},
    )
    result = run_cli("run", "-c", str(stack.config_path), "--workers", "4", "--until-caught-up")
    assert result.returncode == 0, result.stderr[-3000:]

    comparison = compare(sim.ground_truth(), stack.committed(), api.kind)
    assert comparison.expected == 20_000
    assert (comparison.missing, comparison.duplicates, comparison.unexpected, comparison.altered) == (0, 0, 0, 0)

    first_pages = sim.stats()["first_page_requests"]
    assert len(first_pages) == 48
    assert [q for q in first_pages if q["count"] != 1] == [], "a window was restarted from its first page"

    finished = [line for line in log_lines(result.stderr) if line.get("event") == "task_finished"]
    outcomes = Counter(line["outcome"] for line in finished)
    assert outcomes["continued"] >= 1, outcomes
    assert outcomes["failed"] == 0
    assert {"source", "window_start", "window_end", "pages", "events"} <= set(finished[0])

    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.dlq) == (0, 0, 0)

    table = run_cli("status", "-c", str(stack.config_path))
    assert table.returncode == 0 and "complete until" in table.stdout, table.stderr[-2000:]
    status = run_cli("status", "-c", str(stack.config_path), "--json")
    report = json.loads(status.stdout)
    source = report["sources"]["gws-login"]
    assert source["complete_until"] == "2026-11-03T00:00:00.000Z"
    assert source["windows"] == {"pending": 0, "running": 0, "done": 48, "failed": 0}
