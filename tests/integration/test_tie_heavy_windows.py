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
