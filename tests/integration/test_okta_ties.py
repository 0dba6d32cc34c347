"""Okta's order (oldest first, ``since`` inclusive, ``until`` exclusive) with more events
at one millisecond than the window's item holds ids for, cursors that expire at every
continuation, and late events found by a final pass: every event once, across passes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import ticking_clock
from fake_okta_tie_api import OktaTieApi

from orchestrator.tick import Orchestrator
from shared.aws._dynamo_codec import MAX_BOUNDARY_IDS
from shared.models import FINAL_PASS
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
OKTA = {"kind": "okta_system_log", "end": "2026-11-01T01:00:00Z", "window": "1h"}


def with_api(ctx: WorkerContext, api: OktaTieApi) -> WorkerContext:
    settings = ctx.settings.sources[0]
    ctx.source = lambda source_id: (settings, api)  # type: ignore[method-assign]
    return ctx


def expiring(api: OktaTieApi) -> Callable[[str], None]:
    def fault(point: str) -> None:
        if point == "after_release":  # every continuation finds its cursor expired
            api.expire_all()
    return fault


def committed(stack: Any) -> Counter[str]:
    return Counter(str(item["uuid"]) for item in stack.committed())


def spread(prefix: str, count: int, step_s: int, offset_s: int = 3) -> list[tuple[datetime, str]]:
    return [(START + timedelta(seconds=offset_s + i * step_s), f"{prefix}-{i:04d}") for i in range(count)]


@pytest.mark.parametrize("sink", ["file", "s3"])
def test_okta_three_thousand_at_one_millisecond_with_expiring_cursors(
        make_stack: Callable[..., Any], sink: str) -> None:
    """3,000 events at one millisecond (3x the ids the item holds), pages of 500, a 1 s
    run, every cursor expired when its continuation runs: the resumed runs read the tie
    again from its instant and must drop what the spilled boundary names."""
    tie = START + timedelta(minutes=20, microseconds=123_000)
    events = [(tie, f"bulk-{i:05d}") for i in range(3 * MAX_BOUNDARY_IDS)]
    events += spread("a", 40, 90)  # before, at and after the tie's minute
    events += [(START, "edge-start"), (START + timedelta(hours=1), "edge-end-next-window")]
    api = OktaTieApi(events, page_size=500, latency=0.25)
    stack = make_stack(source=OKTA, sink=sink,
                       worker={"lease": "5s", "task_deadline": "1s", "receive_wait": "1s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    work(with_api(WorkerContext.from_settings(stack.settings, fault=expiring(api)), api),
         until_idle=True, max_tasks=40)
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "done", (window.state, window.pages, window.error)
    assert window.continuations > 0 and api.rejected > 0, "no run resumed after a rejected cursor"
    counts = committed(stack)
    expected = api.truth() - {"edge-end-next-window"}
    assert [k for k, v in counts.items() if v > 1] == []
    assert set(counts) == expected


def first_pass(make_stack: Callable[..., Any], api: OktaTieApi) -> tuple[Any, WorkerContext]:
    """A one-window Okta stack whose first pass runs in 1 s task runs, every cursor
    expiring at each continuation; the stack and the worker context (to run on)."""
    stack = make_stack(source={**OKTA, "late_horizon": "30d"},
                       worker={"lease": "5s", "task_deadline": "1s", "receive_wait": "1s"})
    # read two hours after the window: inside its 30-day late horizon, whatever the day
    now = ticking_clock(START + timedelta(hours=2))
    Orchestrator(stack.settings, stack.store, stack.queue, clock=now).tick()
    ctx = with_api(WorkerContext.from_settings(stack.settings, fault=expiring(api), clock=now), api)
    work(ctx, until_idle=True, max_tasks=30)
    return stack, ctx


def schedule_final_pass(stack: Any, api: OktaTieApi) -> None:
    """The late events appear, and a tick past the late horizon schedules the final pass."""
    api.reveal()
    later = Orchestrator(stack.settings, stack.store, stack.queue, clock=lambda: START.timestamp() + 40 * 86400)
    assert later.tick().final_passes["gws-login"] == 1


def test_okta_final_pass_over_a_big_tie_with_late_events(make_stack: Callable[..., Any]) -> None:
    """A first pass over 1,500 events at one millisecond, then late events appear: some at
    that very millisecond (inside the tie's order), some before and after it, some at the
    window's edges. The final pass (expiring cursors, short runs) commits exactly those."""
    tie = START + timedelta(minutes=30, microseconds=500_000)
    events = [(tie, f"bulk-{i:05d}") for i in range(1500)] + spread("a", 30, 100)
    late = [(tie, f"bulk-{i:05d}-late") for i in range(0, 1500, 7)]  # interleaved in the tie's order
    late += [(tie, "0-first-in-tie"), (tie, "zzz-last-in-tie")]
    late += spread("late", 25, 130, offset_s=11) + [(START, "late-at-start")]
    api = OktaTieApi(events, page_size=300, latency=0.2, late=late)
    stack, ctx = first_pass(make_stack, api)
    first = committed(stack)
    assert sum(first.values()) == len(first) == 1530

    schedule_final_pass(stack, api)
    work(ctx, until_idle=True, max_tasks=30)
    windows = {w.key.pass_no: w for w in stack.store.list_windows("gws-login")}
    assert windows[FINAL_PASS].state == "done", windows[FINAL_PASS]
    assert windows[FINAL_PASS].events == len(late)
    counts = committed(stack)
    assert [k for k, v in counts.items() if v > 1] == []
    assert set(counts) == api.truth()


def test_okta_final_pass_whose_late_events_are_a_tie_of_their_own(make_stack: Callable[..., Any]) -> None:
    """The late events are themselves more than the item holds ids for, at the very
    millisecond the first pass's tie was at: the final pass's boundary spills, and its
    resumed runs (cursors expired) must read its ids back from the final pass's parts
    only, while the first pass's ids come from the window's committed items."""
    tie = START + timedelta(minutes=45, microseconds=1_000)
    events = [(tie, f"early-{i:05d}") for i in range(1200)] + spread("a", 10, 300)
    late = [(tie, f"late-{i:05d}") for i in range(MAX_BOUNDARY_IDS + 300)]
    api = OktaTieApi(events, page_size=400, latency=0.2, late=late)
    stack, ctx = first_pass(make_stack, api)
    assert sum(committed(stack).values()) == 1210
    schedule_final_pass(stack, api)
    rejected = api.rejected
    work(ctx, until_idle=True, max_tasks=30)
    final = next(w for w in stack.store.list_windows("gws-login") if w.key.pass_no == FINAL_PASS)
    assert final.state == "done", final
    assert final.continuations > 0 and api.rejected > rejected, "the final pass never resumed after a rejected cursor"
    counts = committed(stack)
    assert [k for k, v in counts.items() if v > 1] == []
    assert set(counts) == api.truth()
