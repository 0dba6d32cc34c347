"""Tie-heavy windows: many events at one instant, pages smaller than the tie, page
tokens that expire before a continuation runs. Every window still finishes, exactly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_tie_api import TieApi

from orchestrator.tick import Orchestrator
from worker.context import WorkerContext
from worker.loop import work
from worker.pager import MAX_TOKEN_RESETS

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def expire_tokens_on_continuation(api: TieApi) -> Callable[[str], None]:
    """A fault hook: every token issued before a run continues has expired when the
    continuation runs (as if it waited behind a long backlog)."""
    def fault(point: str) -> None:
        if point == "after_release":
            api.expire_all()
    return fault


def with_api(ctx: WorkerContext, api: TieApi) -> WorkerContext:
    settings = ctx.settings.sources[0]
    ctx.source = lambda source_id: (settings, api)  # type: ignore[method-assign]
    return ctx


def committed_ids(stack: Any) -> list[str]:
    return [str(item["id"]) for item in stack.committed()]


def test_a_tie_larger_than_a_run_finishes_although_every_token_expires(
        make_stack: Callable[..., Any]) -> None:
    """Two windows with 250 events at one instant each, pages of 50, 250 ms a page, 1 s a
    task run, tokens that live 0.6 s: each continuation waits behind the other window's
    run, so its token has expired and it re-reads the part of the tie it committed
    before. It must get past that overlap (without the fix no run ever does)."""
    events = []
    for hour in (0, 1):
        tie = START + timedelta(hours=hour, minutes=30)
        events += [(tie, f"tie-{hour}-{i:04d}") for i in range(250)]
        events += [(START + timedelta(hours=hour, minutes=i, seconds=7), f"a-{hour}-{i}") for i in range(0, 60, 6)]
    api = TieApi(events, page_size=50, latency=0.25, token_ttl=0.6)
    stack = make_stack(source={"end": "2026-11-01T02:00:00Z", "window": "1h"},
                       worker={"lease": "2s", "task_deadline": "1s", "receive_wait": "1s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    ctx = with_api(WorkerContext.from_settings(stack.settings), api)
    work(ctx, until_idle=True, max_tasks=40)  # bounded: without the fix it never ends
    windows = list(stack.store.list_windows("gws-login"))
    assert [w.state for w in windows] == ["done"] * 2, [(w.state, w.pages, w.token_resets) for w in windows]
    assert api.rejected > 0, "no token expired: the test did not test anything"
    ids = committed_ids(stack)
    assert len(ids) == len(set(ids)) and set(ids) == api.truth()


def test_token_resets_count_until_the_boundary_moves(make_stack: Callable[..., Any]) -> None:
    """A window whose rejected tokens never let it move on ends failed (in the DLQ with
    the reason) after MAX_TOKEN_RESETS, instead of looping: a page that keeps nothing
    does not count as progress."""
    tie = START + timedelta(minutes=30)
    api = TieApi([(tie, f"tie-{i:04d}") for i in range(300)], page_size=50, token_ttl=0.0)
    stack = make_stack(source={"end": "2026-11-01T01:00:00Z", "window": "1h"},
                       worker={"lease": "2s", "task_deadline": "30s", "receive_wait": "1s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    work(with_api(WorkerContext.from_settings(stack.settings), api), until_idle=True, max_tasks=5)
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "failed" and window.error_class == "TokenRejected", window
    assert api.rejected == MAX_TOKEN_RESETS + 1
    ids = committed_ids(stack)
    assert len(ids) == len(set(ids)) == 50  # the first page, committed once


@pytest.mark.parametrize(("sink", "count", "page_size", "latency"),
                         [("file", 20_000, 1000, 0.05), ("s3", 3000, 500, 0.3)])
def test_twenty_thousand_events_at_one_instant(make_stack: Callable[..., Any], sink: str, count: int,
                                               page_size: int, latency: float) -> None:
    """A bulk admin action: 20,000 events at one millisecond. Their ids would not fit the
    window's DynamoDB item (400 KB); the item says where they are in the sink instead,
    and a run resumed after a rejected token reads them back to drop what it re-reads.
    (On S3, fewer: still more ids than the item holds, at less of moto's time.)"""
    tie = START + timedelta(minutes=30)
    events = [(tie, f"bulk-{i:05d}") for i in range(count)]
    events += [(START + timedelta(minutes=i, seconds=7), f"a-{i}") for i in range(0, 60, 5)]
    api = TieApi(events, page_size=page_size, latency=latency)
    stack = make_stack(source={"end": "2026-11-01T01:00:00Z", "window": "1h"}, sink=sink,
                       worker={"lease": "5s", "task_deadline": "1s", "receive_wait": "1s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    ctx = WorkerContext.from_settings(stack.settings, fault=expire_tokens_on_continuation(api))
    work(with_api(ctx, api), until_idle=True, max_tasks=30)
    (window,) = stack.store.list_windows("gws-login")
    assert window.state == "done", (window.state, window.pages, window.error)
    assert window.continuations > 0 and api.rejected > 0, "no run resumed after a rejected token"
    ids = committed_ids(stack)
    assert len(ids) == len(set(ids)) == len(api.truth()) and set(ids) == api.truth()
