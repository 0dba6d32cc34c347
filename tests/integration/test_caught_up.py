"""`logpull run --until-caught-up` counts a window as done once its last accepted part
is published, not merely once the state store says done."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from logpull.cli._running import published_in_sink
from orchestrator.local_run import LocalRun
from orchestrator.tick import Orchestrator
from shared.models import TaskMessage
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work
from worker.sinks.base import committed_name

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_done_window_whose_last_part_is_still_staged_is_not_caught_up(make_stack: Callable[..., Any],
                                                                        simulator: Callable[..., Any]) -> None:
    sim = simulator(events=300, seed=3, start=START, end=START + timedelta(hours=2))
    stack = make_stack(sim.url, source={"end": "2026-11-01T02:00:00Z", "page_size": 40})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    windows = list(stack.store.list_windows("gws-login"))
    assert [w.state for w in windows] == ["done", "done"]

    # as a worker killed between its last checkpoint and the publish leaves it
    last = windows[1]
    seq, staged = max(last.staged)
    committed = stack.sink_root / committed_name(last.key, seq, ".jsonl")
    (stack.sink_root / staged).parent.mkdir(parents=True, exist_ok=True)
    os.replace(committed, stack.sink_root / staged)

    local = LocalRun(stack.settings, stack.store, stack.queue, published=published_in_sink(stack.settings))
    targets = {"gws-login": START + timedelta(hours=2)}
    progress = local.progress(targets, {"gws-login": windows})
    assert (progress.windows_total, progress.windows_done, progress.finished) == (2, 1, False)
    assert not stack.caught_up()

    # the task's message comes back: a worker finds the window done and rolls it forward
    stack.queue.send(TaskMessage(
        source="gws-login", window_start=last.key.start, window_end=last.key.end))
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    progress = local.progress(targets, {"gws-login": list(stack.store.list_windows("gws-login"))})
    assert (progress.windows_done, progress.finished) == (2, True)
    assert stack.caught_up()
    result = compare(sim.ground_truth(), stack.committed())
    assert (result.missing, result.duplicates) == (0, 0)
