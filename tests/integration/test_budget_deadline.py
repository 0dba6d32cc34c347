"""A tight shared budget (6 requests a minute) with short task runs (5 s): no run waits
past its deadline for a token, and a run that cannot get one continues delayed until the
token is due, so continuations stay a small multiple of the API requests (no storm),
with a soft deadline (ECS, ``overrun_s``) and a hard one (Lambda, 0) alike.

Time is warped, not slept: the workers' clock is real time plus an offset that their
sleeps advance, and a delayed message is received when its delay has passed on that
clock (the queue below records each delay and sends at once; the loop moves the clock
on to the message's due time when it picks it)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.aws.task_queue import Received, SqsTaskQueue
from shared.lanes import LIVE, Lane
from shared.models import TaskMessage
from shared.verify import compare
from worker.context import WorkerContext
from worker.runner import TaskRunner

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
DEADLINE = 5.0
MAX_TASKS = 150  # a storm is cut short here


class Warp:
    """Real time plus an offset; a sleep moves the offset on instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.offset += max(0.0, seconds)

    def advance_to(self, instant: float) -> None:
        with self._lock:
            self.offset += max(0.0, instant - (time.time() + self.offset))


class DelayRecordingQueue(SqsTaskQueue):
    """Sends at once, and remembers when each message would have become visible."""

    def __init__(self, queue: SqsTaskQueue, clock: Warp) -> None:
        self.__dict__.update(queue.__dict__)
        self.clock = clock
        self.due: dict[str, float] = {}
        self.delays: list[int] = []
        self.continuations = 0

    def send(self, message: TaskMessage, delay_seconds: int = 0, lane: Lane = LIVE) -> None:
        self.due[message.task_id] = self.clock() + delay_seconds
        self.delays.append(delay_seconds)
        self.continuations += int(message.continuation > 0)
        super().send(message, 0, lane)

    def due_of(self, received: Received) -> float:
        return self.due.get(json.loads(received.body)["task_id"], 0.0)


def run_tasks(contexts: list[WorkerContext], queue: DelayRecordingQueue,
              clock: Warp) -> list[float]:
    """Run tasks (the workers by turns), always the one due first, each once it is due;
    return how long each run took."""
    runners = [TaskRunner(ctx) for ctx in contexts]
    durations: list[float] = []
    while len(durations) < MAX_TASKS:
        batch = queue.receive(10, 0, 60)
        if not batch:
            return durations
        batch.sort(key=queue.due_of)
        for other in batch[1:]:
            queue.change_visibility(other.receipt_handle, 0, other.lane)
        clock.advance_to(queue.due_of(batch[0]))
        started = clock()
        runners[len(durations) % len(runners)].run(batch[0], started, started + DEADLINE)
        durations.append(clock() - started)
    return durations


@pytest.mark.parametrize("overrun_s", [600.0, 0.0], ids=["soft-deadline", "hard-deadline"])
def test_a_tight_budget_keeps_the_deadline_without_a_continuation_storm(
        make_stack: Callable[..., Any], simulator: Callable[..., Any], overrun_s: float) -> None:
    sim = simulator(events=24, seed=5, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "window": "20m",
                                        "page_size": 5, "requests_per_minute": 6},
                       worker={"task_deadline": "5s", "receive_wait": "0s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    clock = Warp()
    queue = DelayRecordingQueue(stack.queue, clock)
    # two workers, each with a gate of its own on the one budget
    contexts = [WorkerContext.from_settings(stack.settings, clock=clock, sleep=clock.sleep,
                                            overrun_s=overrun_s) for _ in range(2)]
    for ctx in contexts:
        ctx.queue = queue

    durations = run_tasks(contexts, queue, clock)

    requests = sim.stats()["requests"]
    storm = f"a continuation storm: {queue.continuations} continuations, {requests} requests"
    assert len(durations) < MAX_TASKS, storm
    windows = list(stack.store.list_windows("gws-login"))
    assert [w.state for w in windows] == ["done"] * 3
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected) == (0, 0, 0), result
    assert max(durations) <= DEADLINE + 5.0, sorted(durations)[-5:]
    assert queue.continuations <= 2 * requests, (queue.continuations, requests)
    assert max(queue.delays) > 0  # the budget did make runs continue later
    # the window counts only continuations that did work (read a page): at most one per request
    assert sum(w.continuations for w in windows) <= requests
