"""A worker paused (SIGSTOPped, starved) past its lease, whose window another worker took
over meanwhile, resumes without spending a budget token or an API request on it: before
each token and request it checks the lease, and when its heartbeat is overdue it beats
first (and finds the lease gone).

The pause is deterministic: the workers' clock is real time plus an offset, and the
source's first page "takes" longer than the lease (the offset moves on), while another
worker takes the window over."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from worker.context import WorkerContext
from worker.loop import work
from worker.sources.base import Page, Query

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


class Warp:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)


def test_a_resumed_worker_spends_nothing_for_a_window_it_no_longer_holds(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=40, seed=11, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "window": "1h",
                                        "page_size": 10, "requests_per_minute": 600},
                       worker={"lease": "30s", "task_deadline": "10m", "receive_wait": "0s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    [first] = stack.queue.receive(1, 0, 30)  # a second delivery: the window is leased first
    stack.queue.change_visibility(first.receipt_handle, 0, first.lane)

    clock = Warp()
    ctx = WorkerContext.from_settings(stack.settings, clock=clock, sleep=clock.sleep)
    settings, source = ctx.source("gws-login")
    [window] = list(stack.store.list_windows("gws-login"))

    class PausedAfterFirstPage:
        """The source, with the process paused for 40 s (past its 30 s lease) as its
        first page comes back; meanwhile another worker takes the window over."""

        def __init__(self) -> None:
            self.calls = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(source, name)

        def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
            page = source.fetch(query, token, timeout=timeout)
            self.calls += 1
            if self.calls == 1:
                clock.sleep(40.0)
                held = stack.store.get_window(window.key)  # its message came back to another
                assert held is not None and held.lease_message  # worker, which takes it over
                store.acquire(window.key, "another-worker", clock() + 30, held.lease_message, 0)
            return page

    store = stack.store
    paused = PausedAfterFirstPage()
    ctx.source = lambda _source_id: (settings, paused)  # type: ignore[assignment, method-assign]
    gate = ctx.gate("gws-login")
    assert gate is not None

    assert work(ctx, max_tasks=1) == 1
    assert paused.calls == 1, "a request was made for a window the worker no longer held"
    assert sim.stats()["requests"] == 1
    assert len(gate._spent) == 1  # one token, the first page's  (the gate's own count)
    [window] = list(stack.store.list_windows("gws-login"))
    assert (window.lease_owner, window.pages) == ("another-worker", 0)
