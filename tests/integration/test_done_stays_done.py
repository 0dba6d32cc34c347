"""A window is done from the checkpoint that says so: an error after it (its publish
hits an S3 503, a disk error) never reopens or fails it. Whoever holds the message next
rolls the publishes forward; nothing is read again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.errors import AwsError
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def publish_fails_once_done(ctx: WorkerContext, failures: list[str]) -> None:
    """The sink's publish of a done window's part fails (as an S3 503 would), once per
    window: the checkpoint that set ``done`` is already written when it does."""
    publish = ctx.sink.publish

    def flaky(key: Any, seq: int, staged: str) -> None:
        record = ctx.store.get_window(key)
        if record is not None and record.state == "done" and str(key) not in failures:
            failures.append(str(key))
            raise AwsError("S3 publish failed: SlowDown (503)")
        publish(key, seq, staged)

    ctx.sink.publish = flaky  # type: ignore[method-assign]


@pytest.mark.parametrize("max_receive_count", [10, 1])
def test_an_error_after_the_done_checkpoint_leaves_the_window_done(
        make_stack: Callable[..., Any], simulator: Callable[..., Any], max_receive_count: int) -> None:
    """With 1 receive allowed, the task's first delivery is its last: it still must not
    mark the window failed (its last part would never be published)."""
    sim = simulator(events=200, seed=5, start=START, end=START + timedelta(hours=2))
    stack = make_stack(sim.url, source={"end": "2026-11-01T02:00:00Z", "page_size": 1000},
                       worker={"lease": "2s", "task_deadline": "30s", "receive_wait": "1s"},
                       max_receive_count=max_receive_count)
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    ctx = WorkerContext.from_settings(stack.settings)
    failures: list[str] = []
    publish_fails_once_done(ctx, failures)
    versions: dict[str, int] = {}
    work(ctx, until_idle=True, max_tasks=2)
    assert len(failures) == 2
    for window in stack.store.list_windows("gws-login"):
        assert window.state == "done", f"{window.key} was turned {window.state} after it was done"
        assert window.pages == 1
        versions[str(window.key)] = window.version
    reads = sim.stats()["requests"]

    # the messages come back (or are redriven from the DLQ): the parts are rolled forward
    if max_receive_count == 1:
        from shared.aws.dead_letters import DeadLetters

        DeadLetters(stack.queue, stack.store).redrive()
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    for window in stack.store.list_windows("gws-login"):
        redriven = int(max_receive_count == 1)  # redrive counts its message in the window: one write
        assert (window.state, window.version, window.pages) == ("done", versions[str(window.key)] + redriven, 1)
    assert sim.stats()["requests"] == reads, "a done window was read again"
    assert stack.caught_up()
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.expected) == (0, 0, 200), result
