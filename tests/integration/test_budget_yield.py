"""A task whose budget has no token before its deadline hands its window on as a
continuation (its message is deleted; no receive is used up), delayed until the token is
due, instead of sleeping past the deadline or holding the message."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.aws.budget_store import DynamoBudgetStore
from shared.aws.clients import client
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_no_token_before_the_deadline_is_a_delayed_continuation(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=200, seed=3, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "page_size": 50,
                                        "requests_per_minute": 600},
                       worker={"task_deadline": "2s", "receive_wait": "0s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    dynamodb = client("dynamodb", stack.settings.aws)
    budgets = DynamoBudgetStore(dynamodb, stack.settings.aws.table_name)
    budgets.pause("block:gws-login", time.time() + 4)  # an API refusal told everyone to wait 4 s

    assert work(WorkerContext.from_settings(stack.settings), max_tasks=1) == 1
    assert sim.stats()["requests"] == 0
    [window] = list(stack.store.list_windows("gws-login"))
    # a continuation that read no page is no work: the window does not count it
    assert (window.state, window.continuations, window.pages) == ("pending", 0, 0)
    assert stack.queue.receive(1, 0, 30) == []  # delayed until the token is due (about 5 s)
    assert stack.queue.counts().delayed == 1
    [continuation] = stack.queue.receive(1, 10, 30)
    assert continuation.receive_count == 1  # a new message, not the old one handed back
    stack.queue.change_visibility(continuation.receipt_handle, 0, continuation.lane)

    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    [window] = list(stack.store.list_windows("gws-login"))
    assert window.state == "done"
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates, result.unexpected) == (0, 0, 0), result
