"""A copy of an older message for a window (a SendMessage retried after its answer was
lost, a rescue racing a continuation) is dropped once a newer message leased the
window: it neither leases it nor reads on from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from orchestrator.tick import Orchestrator
from shared.models import TaskMessage
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_stale_copy_of_the_first_message_is_dropped_after_a_continuation_leased(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=400, seed=4, start=START, end=START + timedelta(hours=1), page_latency=0.3)
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "page_size": 50},
                       worker={"lease": "5s", "task_deadline": "1s", "receive_wait": "1s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    work(WorkerContext.from_settings(stack.settings), max_tasks=2)  # the first run and one continuation
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "pending" and window.dispatch >= 1, window
    stack.queue.send(TaskMessage.for_window(window.key))  # a copy of the first message, as a retried send leaves
    with capture_logs() as logs:
        work(WorkerContext.from_settings(stack.settings), until_idle=True)
    skipped = [e.get("skipped") for e in logs if e.get("event") == "task_finished"]
    assert "superseded by a newer task" in skipped, skipped
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "done"
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected, result.expected) == (0, 0, 0, 400), result
