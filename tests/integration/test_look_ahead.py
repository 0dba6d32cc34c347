"""The worker's look-ahead within a task: the first page of a new task is read while
its lease is taken (or by the checkpoint that claims it). It may not lose, duplicate or
strand work, and a worker reads nothing for a task it has not received."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.models import TaskMessage
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


class Crash(BaseException):
    """Stands for SIGKILL."""


def stack_with_windows(make_stack: Callable[..., Any], simulator: Callable[..., Any], hours: int,
                       lease: str = "1s") -> tuple[Any, Any]:
    sim = simulator(events=120 * hours, seed=9, start=START, end=START + timedelta(hours=hours))
    # a checkpoint per page, so that a crash at the 2nd one leaves a window half read
    stack = make_stack(sim.url, source={"end": f"2026-11-01T{hours:02d}:00:00Z", "page_size": 40},
                       worker={"lease": lease, "task_deadline": "30s", "receive_wait": "0s",
                               "max_pages_per_checkpoint": 1})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    return sim, stack


def first_page_reads(sim: Any) -> Counter[tuple[str, str]]:
    return Counter({(q["startTime"], q["endTime"]): q["count"] for q in sim.stats()["first_page_requests"]})


def test_a_page_read_ahead_for_a_window_already_in_progress_is_dropped(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    """A fresh-looking message (first delivery, no continuation) for a window a worker
    already half read and handed back (a copy of the first task that a repeated send
    left): the page read ahead is thrown away and the run resumes from the checkpoint."""
    sim, stack = stack_with_windows(make_stack, simulator, hours=1)
    hits = []

    def crash_on_second_page(point: str) -> None:
        if point == "after_publish":
            hits.append(point)
            if len(hits) == 2:
                raise Crash(point)

    with pytest.raises(Crash):
        work(WorkerContext.from_settings(stack.settings, fault=crash_on_second_page), until_idle=True, max_tasks=1)
    [window] = list(stack.store.list_windows("gws-login"))
    assert window.pages == 2 and window.state == "running"
    time.sleep(1.3)  # the dead worker's message and lease expire
    [dead] = stack.queue.receive(1, 0, 30)
    stack.queue.delete(dead.receipt_handle, dead.lane)  # gone, as if it had gone to the DLQ
    released = window.evolve(version=window.version + 1, state="pending", lease_owner=None, lease_expiry=0.0,
                             lease_message=None)  # handed back (a give-back keeps the dispatch)
    stack.store.write(released, window.version, owner=None)
    stack.queue.send(TaskMessage.for_window(window.key))  # the copy: receive count 1, dispatch 0
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    [window] = list(stack.store.list_windows("gws-login"))
    assert window.state == "done"
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected) == (0, 0, 0), result
    assert list(first_page_reads(sim).values()) == [2]  # the dead worker's read and the dropped one


def test_every_untouched_window_reads_its_first_page_once(make_stack: Callable[..., Any],
                                                          simulator: Callable[..., Any]) -> None:
    sim, stack = stack_with_windows(make_stack, simulator, hours=4)
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    assert all(w.state == "done" for w in stack.store.list_windows("gws-login"))
    reads = first_page_reads(sim)
    assert len(reads) == 4 and set(reads.values()) == {1}
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected) == (0, 0, 0), result


def test_a_worker_that_stops_after_this_task_takes_no_next_one(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim, stack = stack_with_windows(make_stack, simulator, hours=2, lease="60s")
    assert work(WorkerContext.from_settings(stack.settings), max_tasks=1) == 1
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight) == (1, 0)
    assert list(first_page_reads(sim).values()) == [1]  # nothing read for the second window
