"""Deterministic crash points of the commit protocol (an injected fault hook, no sleeps
to provoke races): after each one the next run neither loses nor duplicates an event."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.sink_reader import iter_committed_files
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = [pytest.mark.integration, pytest.mark.engines]  # engines: also on a DynamoDB engine
START = datetime(2026, 11, 1, tzinfo=UTC)
POINTS = ["after_fetch", "after_stage", "after_checkpoint", "after_publish", "after_release",
          "after_continuation_sent"]


class Crash(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it."""


class CrashAt:
    def __init__(self, point: str, hits: set[int]) -> None:
        self.point, self.hits, self.seen, self.crashes = point, hits, 0, 0

    def __call__(self, point: str) -> None:
        if point != self.point:
            return
        self.seen += 1
        if self.seen in self.hits:
            self.crashes += 1
            raise Crash(point)


def pipeline(make_stack: Callable[..., Any], simulator: Callable[..., Any], sink: str = "file",
             page_latency: float = 0.0, **worker: str) -> tuple[Any, Any]:
    sim = simulator(events=700, seed=5, start=START, end=START + timedelta(hours=2), page_latency=page_latency)
    stack = make_stack(sim.url, sink=sink, source={"end": "2026-11-01T02:00:00Z", "page_size": 40},
                       worker={"lease": "1s", "task_deadline": "30s", **worker})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    return sim, stack


def drain(stack: Any, fault: Callable[[str], None], max_runs: int = 200) -> int:
    """Run tasks one at a time until every window is done and published; a crash loses
    the run, and its message comes back once the (1 s) visibility timeout expires."""
    crashes = 0
    for _ in range(max_runs):
        if stack.caught_up():
            return crashes
        ctx = WorkerContext.from_settings(stack.settings, fault=fault)
        try:
            work(ctx, until_idle=True, max_tasks=1)
        except Crash:
            crashes += 1
            time.sleep(1.3)  # the dead worker's message becomes visible, its lease expired
    raise AssertionError("windows did not finish")


@pytest.mark.parametrize("sink", ["file", "s3"])
@pytest.mark.parametrize("point", POINTS)
def test_crash_at_each_point_of_the_protocol(point: str, sink: str, make_stack: Callable[..., Any],
                                             simulator: Callable[..., Any]) -> None:
    if point in ("after_release", "after_continuation_sent"):
        # slow pages and a 1 s deadline, so that runs end mid-window with a continuation
        sim, stack = pipeline(make_stack, simulator, sink, page_latency=0.3, task_deadline="1s")
    else:
        sim, stack = pipeline(make_stack, simulator, sink)
    hook = CrashAt(point, {1, 3, 6})
    crashes = drain(stack, hook)
    assert crashes >= 1, f"the fault point {point} was never reached"
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected) == (0, 0, 0), result
    assert result.expected == 700
    first_pages = Counter((q["startTime"], q["endTime"]) for q in sim.stats()["first_page_requests"]
                          for _ in range(q["count"]))
    if point not in ("after_fetch", "after_stage"):  # a crash before the first checkpoint re-reads page 1
        assert max(first_pages.values()) == 1, first_pages


def test_a_worker_that_lost_its_lease_commits_nothing(make_stack: Callable[..., Any],
                                                      simulator: Callable[..., Any]) -> None:
    sim, stack = pipeline(make_stack, simulator)
    stolen: list[str] = []

    def steal(point: str) -> None:
        if point != "after_stage" or stolen:
            return
        # another worker takes the window over while this one is paused mid-page (its
        # first page: the lease is either taken already or about to be, with the checkpoint)
        for record in stack.store.list_windows("gws-login"):
            if record.state in ("pending", "running"):
                thief = record.evolve(version=record.version + 1, state="running", lease_owner="thief",
                                      lease_expiry=time.time() + 600)
                stack.store.write(thief, record.version, owner=None)
                stolen.append(str(record.key))

    ctx = WorkerContext.from_settings(stack.settings, fault=steal)
    work(ctx, until_idle=True, max_tasks=1)
    assert stolen
    assert list(stack.sink_root.rglob("*.jsonl")), "the paused worker should have staged its page"
    assert not list(iter_committed_files(stack.sink_root)), "a worker without its lease published output"


def test_an_error_after_a_committed_page_hands_the_task_back(make_stack: Callable[..., Any],
                                                             simulator: Callable[..., Any]) -> None:
    """The give-back must use the latest checkpoint, not the record from the lease."""
    from shared.errors import RetryableError

    sim, stack = pipeline(make_stack, simulator)
    hits = []
    checkpointed: list[int] = []  # pages the state store held when the error struck

    def flaky(point: str) -> None:
        if point == "after_publish":
            hits.append(point)
            if len(hits) == 2:
                checkpointed.extend(w.pages for w in stack.store.list_windows("gws-login") if w.pages)
                raise RetryableError("the API went away", delay=0)

    outcome_ctx = WorkerContext.from_settings(stack.settings, fault=flaky)
    work(outcome_ctx, until_idle=True, max_tasks=1)
    handed_back = [w for w in stack.store.list_windows("gws-login") if w.pages]
    assert len(checkpointed) == 1 and checkpointed[0] >= 2  # two checkpoints, one page or more each
    assert len(handed_back) == 1 and handed_back[0].state == "pending" and handed_back[0].pages == checkpointed[0]
    drain(stack, lambda _p: None)
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates) == (0, 0)


def test_a_dead_workers_message_is_taken_over_not_dropped(make_stack: Callable[..., Any],
                                                          simulator: Callable[..., Any]) -> None:
    """A crash right after a checkpoint: when the message reappears, the dead worker's
    lease has already expired (checkpoints never move the lease past the visibility)."""
    sim, stack = pipeline(make_stack, simulator, page_latency=0.5, lease="3s")
    hook = CrashAt("after_publish", {1})
    with pytest.raises(Crash):
        work(WorkerContext.from_settings(stack.settings, fault=hook), until_idle=True, max_tasks=1)
    for _ in range(60):  # poll like a fleet of idle workers would, without extra sleeps
        work(WorkerContext.from_settings(stack.settings), until_idle=True, max_tasks=1)
        if stack.caught_up():
            break
    assert stack.caught_up()
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates) == (0, 0)
