"""Group checkpoints: when DynamoDB accepts checkpoints slower than pages arrive, one
checkpoint accepts every page staged meanwhile (up to ``max_pages_per_checkpoint``); a
crash right after such a checkpoint leaves several parts staged, and the next run
publishes them all. Counted against the simulator's ground truth, event by event."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.models import WindowRecord
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


class Crash(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it."""


def slow_writes(ctx: WorkerContext, seconds: float, written: list[WindowRecord]) -> None:
    """A state store that takes ``seconds`` per write (pages pile up meanwhile)."""
    write = ctx.store.write

    def slow(record: WindowRecord, *args: Any, **kwargs: Any) -> None:
        time.sleep(seconds)
        write(record, *args, **kwargs)
        written.append(record)

    ctx.store.write = slow  # type: ignore[method-assign]


def setup(make_stack: Callable[..., Any], simulator: Callable[..., Any], group: int) -> tuple[Any, Any]:
    sim = simulator(events=700, seed=9, start=START, end=START + timedelta(hours=2))
    stack = make_stack(sim.url, source={"end": "2026-11-01T02:00:00Z", "page_size": 25},
                       worker={"lease": "2s", "task_deadline": "60s", "max_pages_per_checkpoint": group})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    return sim, stack


def test_slow_checkpoints_accept_several_pages_each(make_stack: Callable[..., Any],
                                                    simulator: Callable[..., Any]) -> None:
    sim, stack = setup(make_stack, simulator, group=4)
    ctx = WorkerContext.from_settings(stack.settings)
    written: list[WindowRecord] = []
    slow_writes(ctx, 0.15, written)
    work(ctx, until_idle=True)
    windows = list(stack.store.list_windows("gws-login"))
    assert all(w.state == "done" for w in windows)
    pages = sum(w.pages for w in windows)
    checkpoints = [r for r in written if r.pages]
    assert len(checkpoints) < pages, "no page waited for a checkpoint: nothing was grouped"
    steps = [len(r.staged) for r in checkpoints]
    assert max(steps) > 1 and max(steps) <= 4, steps
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected, result.expected) == (0, 0, 0, 700), result


def test_group_of_one_is_a_write_per_page(make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim, stack = setup(make_stack, simulator, group=1)
    ctx = WorkerContext.from_settings(stack.settings)
    written: list[WindowRecord] = []
    slow_writes(ctx, 0.05, written)
    work(ctx, until_idle=True)
    pages = sum(w.pages for w in stack.store.list_windows("gws-login"))
    assert len([r for r in written if r.pages]) == pages
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates) == (0, 0), result


def test_an_api_slower_than_checkpoints_gets_a_checkpoint_for_every_page(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    """Like the real API (hundreds of ms a page): no page waits for the next one, so a
    crash re-reads as little as possible."""
    sim = simulator(events=150, seed=9, start=START, end=START + timedelta(hours=2), page_latency=0.3)
    stack = make_stack(sim.url, source={"end": "2026-11-01T02:00:00Z", "page_size": 25},
                       worker={"lease": "5s", "task_deadline": "60s", "max_pages_per_checkpoint": 4})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    ctx = WorkerContext.from_settings(stack.settings)
    written: list[WindowRecord] = []
    slow_writes(ctx, 0.0, written)
    work(ctx, until_idle=True)
    pages = sum(w.pages for w in stack.store.list_windows("gws-login"))
    assert pages >= 6
    assert [len(r.staged) for r in written if r.pages] == [1] * pages
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected, result.expected) == (0, 0, 0, 150), result


def test_a_crash_after_a_group_checkpoint_publishes_all_its_parts(make_stack: Callable[..., Any],
                                                                   simulator: Callable[..., Any]) -> None:
    sim, stack = setup(make_stack, simulator, group=4)
    written: list[WindowRecord] = []
    crashed: list[WindowRecord] = []

    def crash_after_a_group(point: str) -> None:
        if point == "after_checkpoint" and not crashed and written and len(written[-1].staged) > 1:
            crashed.append(written[-1])
            raise Crash(point)

    ctx = WorkerContext.from_settings(stack.settings, fault=crash_after_a_group)
    slow_writes(ctx, 0.15, written)
    with pytest.raises(Crash):
        work(ctx, until_idle=True)
    (group,) = crashed
    assert len(group.staged) > 1
    unpublished = [name for _, name in group.staged if (stack.sink_root / name).exists()]
    assert len(unpublished) == len(group.staged), "the crash should leave every part of the group staged"
    time.sleep(2.3)  # the dead worker's lease and message visibility run out
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    assert all(w.state == "done" for w in stack.store.list_windows("gws-login"))
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected, result.expected) == (0, 0, 0, 700), result


def test_one_page_windows_each_log_one_done_and_leave_no_heartbeat(make_stack: Callable[..., Any],
                                                                    simulator: Callable[..., Any]) -> None:
    """A new task's one page is both the claim and the last checkpoint: the task must wait
    for that claim (it decides the outcome) before leaving the rest to its tail."""
    import threading

    from structlog.testing import capture_logs

    sim = simulator(events=90, seed=4, start=START, end=START + timedelta(hours=3))
    stack = make_stack(sim.url, source={"end": "2026-11-01T03:00:00Z", "page_size": 100},
                       worker={"lease": "2s", "task_deadline": "30s", "receive_wait": "0s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    with capture_logs() as logs:
        work(WorkerContext.from_settings(stack.settings), until_idle=True)
    finished = [line for line in logs if line["event"] == "task_finished"]
    assert [f["outcome"] for f in finished] == ["done", "done", "done"], finished
    assert all(w.state == "done" and w.pages == 1 for w in stack.store.list_windows("gws-login"))
    time.sleep(0.1)
    assert not [t for t in threading.enumerate() if t.name == "heartbeat" and t.is_alive()]
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.expected) == (0, 0, 90), result


def test_an_error_after_the_last_checkpoint_leaves_the_window_done(make_stack: Callable[..., Any],
                                                                    simulator: Callable[..., Any]) -> None:
    """The tail fails after the window is done (here: removing the staging area): the
    task is logged as a retry, the window stays done, the message comes back and is
    acknowledged then; nothing is read again."""
    from structlog.testing import capture_logs

    sim, stack = setup(make_stack, simulator, group=4)
    ctx = WorkerContext.from_settings(stack.settings)
    cleanup, failed = ctx.sink.cleanup, []

    def flaky_cleanup(key: Any) -> None:
        if not failed:
            failed.append(key)
            raise OSError("disk went away")
        cleanup(key)

    ctx.sink.cleanup = flaky_cleanup  # type: ignore[method-assign]
    with capture_logs() as logs:
        work(ctx, until_idle=True)
    outcomes = [line["outcome"] for line in logs if line["event"] == "task_finished"]
    # the retried message may come back while this worker still polls: then it is acked
    assert outcomes.count("retry") == 1 and set(outcomes) == {"done", "retry"}, outcomes
    assert all(w.state == "done" for w in stack.store.list_windows("gws-login"))
    pages = sum(w.pages for w in stack.store.list_windows("gws-login"))
    time.sleep(2.3)  # the retried message becomes visible again
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.delayed) == (0, 0, 0), counts
    assert sim.stats()["pages"] == pages  # no page was read twice
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.expected) == (0, 0, 700), result
