"""Workers whose clocks run a minute behind or ahead of the orchestrator's, with leases
of 6 s: no window is taken from a live worker, none fails, and the final pass that a
late event needs is not skipped. The sink matches the simulator event by event.

Each worker gets a clock of its own (``WorkerContext.clock``, read by everything the
worker decides by time: its lease, heartbeat, deadline and the pass's ``started_at``);
the orchestrator keeps the real one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.models import FINAL_PASS
from shared.timeutil import format_instant, from_epoch
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
WINDOW, HORIZON, WORKERS = 10, 10, 2


def skewed(offset: float) -> Callable[[], float]:
    return lambda: time.time() + offset


@pytest.mark.parametrize("offset", [-60.0, 60.0], ids=["workers-behind", "workers-ahead"])
def test_workers_a_minute_off_the_orchestrator_lose_nothing(
        make_stack: Callable[..., Any], simulator: Callable[..., Any], offset: float) -> None:
    now = time.time()
    start, end = now - 2 * WINDOW - 2, now - 2  # both windows due at once; the second one's
    # late events (4-8 s late) appear while its first pass reads, so it needs its final pass
    sim = simulator(events=300, seed=11, start=from_epoch(start), end=from_epoch(end),
                    late_fraction=0.2, late_min=4.0, late_max=8.0, normal_lag_max=0.5,
                    page_latency=0.3)
    stack = make_stack(sim.url, source={
        "start": format_instant(from_epoch(start)), "end": format_instant(from_epoch(end)),
        "window": f"{WINDOW}s", "settle": "1s", "late_horizon": f"{HORIZON}s", "page_size": 10,
    }, worker={"lease": "6s", "task_deadline": "20s", "receive_wait": "1s"})
    contexts = [WorkerContext.from_settings(stack.settings, clock=skewed(offset))
                for _ in range(WORKERS)]
    threads = [threading.Thread(target=work, args=(ctx,), daemon=True) for ctx in contexts]
    for thread in threads:
        thread.start()
    orchestrator = Orchestrator(stack.settings, stack.store, stack.queue)
    rescued, deadline = 0, now + 40
    try:
        while time.time() < deadline:
            rescued += sum(orchestrator.tick().rescued.values())
            windows = list(stack.store.list_windows("gws-login"))
            ended = all(w.state in ("done", "failed") for w in windows)
            if ended and time.time() > end + HORIZON + 1:
                break
            time.sleep(0.5)
    finally:
        for ctx in contexts:
            ctx.stop_requested.set()
        for thread in threads:
            thread.join(timeout=15)

    assert {w.state for w in windows} == {"done"}, [(str(w.key), w.state, w.error) for w in windows]
    assert rescued == 0, "windows were taken from live workers"
    assert stack.queue.counts(dlq_too=True).dlq == 0
    result = compare(sim.ground_truth(), stack.committed())
    counts = (result.missing, result.duplicates, result.unexpected, result.expected)
    assert counts == (0, 0, 0, 300), result
    finals = [w for w in windows if w.key.pass_no == FINAL_PASS]
    assert sum(w.events for w in finals) > 0, "no late event: the test proves nothing"
