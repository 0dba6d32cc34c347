"""A first backfill: while a tick records windows at its budget, or leaves recorded
windows unsent, `logpull run` ticks again as soon as the queue has room, not an
interval later (#23 item 5). Clock and waits are injected: no timing asserts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.local_run import TICK_SECONDS, LocalRun, WorkerPool

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
NOW = (START + timedelta(days=3)).timestamp()  # 287 windows of 15 min are due: three ticks' worth


class Enough(Exception):
    pass


def recording(local: LocalRun, stop_after_waits: int = 1) -> tuple[list[Any], Callable[[float, int], None]]:
    """Ticks and waits in the order they happen; the run ends at the n-th wait."""
    events: list[Any] = []
    tick = local.orchestrator.tick

    def counted_tick(deadline: float | None = None) -> Any:
        result = tick(deadline)
        events.append(("tick", sum(result.recorded.values()), sum(result.enqueued.values())))
        return result

    local.orchestrator.tick = counted_tick  # type: ignore[method-assign]

    def wait(seconds: float, windows: int) -> None:
        events.append(("wait", seconds, windows))
        if sum(e[0] != "tick" for e in events) >= stop_after_waits:
            raise Enough

    local.sleep = lambda seconds: wait(seconds, 0)
    return events, wait


def no_workers() -> WorkerPool:
    return WorkerPool(spawn=lambda: pytest.fail("no worker is started"), size=0)


def test_a_backfill_is_recorded_and_sent_tick_after_tick_while_the_queue_has_room(
        make_stack: Callable[..., Any]) -> None:
    stack = make_stack(source={"window": "15m"})
    local = LocalRun(stack.settings, stack.store, stack.queue, clock=lambda: NOW, workers=100)  # backlog 400
    events, wait = recording(local)
    with pytest.raises(Enough):
        local.until_caught_up(None, wait=wait)
    ticks = [e for e in events if e[0] == "tick"]
    assert [e[1] for e in ticks] == [99, 99, 89]  # each of the first two stopped at its budget
    assert events[:3] == ticks  # no wait between them
    assert events[3][0] == "wait" and events[3][1] == TICK_SECONDS  # then, caught up with recording, the pace


def test_run_without_until_caught_up_does_not_wait_an_interval_between_backfill_ticks(
        make_stack: Callable[..., Any]) -> None:
    stack = make_stack(source={"window": "15m"})
    local = LocalRun(stack.settings, stack.store, stack.queue, clock=lambda: NOW, workers=100)
    events, wait = recording(local)
    with pytest.raises(Enough):
        local.forever(no_workers(), interval=60.0, wait=wait)
    assert [e[0] for e in events] == ["tick", "tick", "tick", "wait"]
    assert events[3][1] == 60.0 and events[3][2] == 0  # nothing left due: the interval


def test_a_full_queue_with_windows_left_to_send_ticks_once_half_the_backlog_ended(
        make_stack: Callable[..., Any]) -> None:
    """Not after the whole interval: the workers' finished windows wake it."""
    stack = make_stack(source={"window": "15m"})
    local = LocalRun(stack.settings, stack.store, stack.queue, clock=lambda: NOW, workers=1)  # backlog 16
    events, wait = recording(local)
    with pytest.raises(Enough):
        local.forever(no_workers(), interval=60.0, wait=wait)
    assert events[0] == ("tick", 99, 16)
    assert events[1] == ("wait", 60.0, local.backlog // 2)
