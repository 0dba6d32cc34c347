"""A source's own error while building a request (a setting its API client refuses: a
``customer_id`` that does not match the Reports API's pattern raises TypeError before any
request is sent) fails the source once, like refused credentials, naming the cause: not
every window ten times, then the DLQ."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_request_the_source_cannot_build_fails_the_source_once(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=30, seed=2, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "window": "20m",
                                        "customer_id": "acme"},  # not C… nor my_customer
                       worker={"receive_wait": "0s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()

    work(WorkerContext.from_settings(stack.settings), until_idle=True, max_tasks=10)

    assert sim.stats()["requests"] == 0
    meta = stack.store.get_meta("gws-login")
    assert meta is not None and meta.failed is not None, "the source was not marked failed"
    assert meta.failed.reason == "bad_request"
    assert "customerId" in meta.failed.error and "TypeError" in meta.failed.error
    assert "fix its settings" in meta.failed.describe("gws-login")
    windows = list(stack.store.list_windows("gws-login"))
    assert [w.state for w in windows] == ["pending"] * 3  # kept for when the setting is fixed
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.delayed, counts.dlq) == (0, 0, 0, 0)
