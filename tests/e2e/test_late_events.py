"""A live timeline: events up to now, 10 % of them visible only 5–20 s late. The first
passes miss some (asserted, so the test proves something); the final passes at
window_end + late_horizon find them, with no duplicates."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from shared.timeutil import CLOCK_SKEW, format_instant, from_epoch
from shared.verify import compare
from tests_e2e_helpers import run_cli

pytestmark = pytest.mark.e2e
WINDOW, SETTLE, HORIZON = 30, 3, 25


def sleep_until(instant: float) -> None:
    time.sleep(max(0.0, instant - time.time()))


def test_final_passes_find_late_events_exactly_once(make_stack: Callable[..., Any], api: Any) -> None:
    end = (int(time.time()) // WINDOW + 1) * WINDOW  # the next 30 s boundary
    start = end - 4 * WINDOW
    sim = api.start(events=2_000, seed=21, start=from_epoch(start), end=from_epoch(end),
                    late_fraction=0.10, late_min=5.0, late_max=20.0, normal_lag_max=1.0)
    stack = make_stack(sim.url, source=api.source(
        start=format_instant(from_epoch(start)), end=format_instant(from_epoch(end)),
        window=f"{WINDOW}s", settle=f"{SETTLE}s", late_horizon=f"{HORIZON}s", page_size=100,
    ))
    sleep_until(end + SETTLE + 0.5)
    first_called = time.time()
    first = run_cli("run", "-c", str(stack.config_path), "--workers", "2", "--until-caught-up")
    assert first.returncode == 0, first.stderr[-3000:]
    after_first = compare(sim.ground_truth(), stack.committed(), api.kind)
    assert after_first.expected == 2_000
    assert after_first.missing > 0, "no event was late for the first pass: the test proves nothing"
    assert after_first.duplicates == 0

    sleep_until(end + HORIZON + 1)
    second = run_cli("run", "-c", str(stack.config_path), "--workers", "2", "--until-caught-up")
    assert second.returncode == 0, second.stderr[-3000:]
    final = compare(sim.ground_truth(), stack.committed(), api.kind)
    assert (final.missing, final.duplicates, final.unexpected, final.altered) == (0, 0, 0, 0), final

    report = json.loads(run_cli("status", "-c", str(stack.config_path), "--json").stdout)
    source = report["sources"]["gws-login"]
    assert source["final_until"] == format_instant(from_epoch(end))
    assert source["complete_until"] == format_instant(from_epoch(end))
    assert source["late_events"] == after_first.missing
    # windows first read before their end + horizon get a final pass; older ones need none
    # (a worker's clock is trusted only to CLOCK_SKEW: read that much later still gets one)
    skew = CLOCK_SKEW.total_seconds()
    due = sum(1 for i in range(1, 5) if start + i * WINDOW + HORIZON + skew > first_called)
    assert due >= 1
    assert source["final_passes"] == {"pending": 0, "running": 0, "done": due, "failed": 0}
