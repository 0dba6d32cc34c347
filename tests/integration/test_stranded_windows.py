"""Nothing stranded: a source reset re-sends its waiting windows as tasks workers accept,
and the scavenger finds a pending window whose message is gone while the queue is busy
with other tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator import source_failure
from orchestrator.tick import Orchestrator
from shared.models import SourceFailure, parse_task
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_reset_source_gets_tasks_that_workers_accept(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=400, seed=5, start=START, end=START + timedelta(hours=1),
                    page_latency=0.3)
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "page_size": 50},
                       worker={"lease": "5s", "task_deadline": "1s", "receive_wait": "1s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    work(WorkerContext.from_settings(stack.settings), max_tasks=2)  # a run and its continuation
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "pending" and window.dispatch >= 1, window
    # the credentials were refused: the source is marked failed and its task deleted
    refused = SourceFailure("auth_failed", "refused", "anonymous")
    assert stack.store.mark_source_failed("gws-login", refused)
    while batch := stack.queue.receive(10, 0, 30):
        for received in batch:
            stack.queue.delete(received.receipt_handle, received.lane)

    assert source_failure.clear_all(stack.settings, stack.store, stack.queue) == {"gws-login": 1}
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "done", window
    result = compare(sim.ground_truth(), stack.committed())
    counts = (result.missing, result.duplicates, result.unexpected, result.expected)
    assert counts == (0, 0, 0, 400), result


def test_a_pending_window_whose_message_is_gone_is_sent_again_while_the_queue_is_busy(
        make_stack: Callable[..., Any]) -> None:
    stack = make_stack(source={"end": "2026-11-01T02:00:00Z"})
    clock = [(START + timedelta(hours=3)).timestamp()]
    orchestrator = Orchestrator(stack.settings, stack.store, stack.queue, clock=lambda: clock[0])
    orchestrator.tick()  # records and sends both windows
    lost, kept = sorted(stack.store.list_windows("gws-login"), key=lambda w: w.key.start)
    taken = stack.queue.receive(10, 1, 30)
    assert sorted(parse_task(r.body).key for r in taken) == [lost.key, kept.key]
    for received in taken:  # the first window's task is lost (its worker died); the other waits
        if parse_task(received.body).key == lost.key:
            stack.queue.delete(received.receipt_handle, received.lane)
        else:
            stack.queue.change_visibility(received.receipt_handle, 0, received.lane)

    clock[0] += 1
    assert orchestrator.tick().rescued["gws-login"] == 0  # seen pending; the queue is busy
    clock[0] += 1200  # still unchanged, longer than any task stays out of sight
    assert orchestrator.tick().rescued["gws-login"] >= 1
    resent = stack.store.get_window(lost.key)
    assert resent.state == "pending" and resent.dispatch == lost.dispatch + 1
    tasks = [parse_task(r.body) for r in stack.queue.receive(10, 1, 30)]
    assert any(t.key == lost.key and t.dispatch == resent.dispatch for t in tasks), tasks
    assert kept.key in [t.key for t in tasks]  # (the busy queue: the other window's task)
