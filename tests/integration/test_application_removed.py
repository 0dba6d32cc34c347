"""A block's applications list changes between runs: a task still queued for an
application no longer configured goes to the DLQ once (reason ``unknown_source``, its
``<block>/<app>`` id in `dlq list`), never loops and never stops the worker; put back and
redriven, its windows are read exactly once; an application added later starts at ``start``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.aws.dead_letters import DeadLetters
from shared.config import Settings
from shared.verify import compare
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def only(settings: Settings, *ids: str) -> Settings:
    return settings.model_copy(update={"sources": [s for s in settings.sources if s.id in ids]})


def test_a_removed_application_s_tasks_go_to_the_dlq_once_and_come_back_when_it_is_back(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=300, seed=3, start=START, end=START + timedelta(hours=2), applications=("login", "drive"))
    stack = make_stack(sim.url, source={"id": "gws", "application": None, "applications": ["login", "drive"],
                                        "end": "2026-11-01T02:00:00Z", "page_size": 40})
    both = stack.settings
    Orchestrator(only(both, "gws/login", "gws/drive"), stack.store, stack.queue).tick()
    drive_windows = [w.key for w in stack.store.list_windows("gws/drive")]
    assert drive_windows

    work(WorkerContext.from_settings(only(both, "gws/login")), until_idle=True)  # drive removed from the config
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.delayed) == (0, 0, 0)  # nothing left looping
    assert counts.dlq == len(drive_windows)
    entries = DeadLetters(stack.queue, stack.store).peek()
    assert sorted((e["source"], e["window_start"]) for e in entries) == sorted(
        ("gws/drive", k.start.strftime("%Y-%m-%dT%H:%M:%S.000Z")) for k in drive_windows)
    assert all(e["reason"].startswith("unknown_source") for e in entries)
    assert all(w.state == "done" for w in stack.store.list_windows("gws/login"))

    assert DeadLetters(stack.queue, stack.store).redrive() == (len(drive_windows), 0)  # drive is back
    work(WorkerContext.from_settings(both), until_idle=True)
    assert stack.queue.counts().dlq == 0
    assert all(w.state == "done" for w in stack.store.list_windows("gws/drive"))
    assert compare(sim.ground_truth(), stack.committed()).exact


def test_an_application_added_later_starts_at_start(make_stack: Callable[..., Any],
                                                   simulator: Callable[..., Any]) -> None:
    sim = simulator(events=300, seed=4, start=START, end=START + timedelta(hours=2), applications=("login", "drive"))
    stack = make_stack(sim.url, source={"id": "gws", "application": None, "applications": ["login", "drive"],
                                        "end": "2026-11-01T02:00:00Z", "page_size": 40})
    login_only = only(stack.settings, "gws/login")
    Orchestrator(login_only, stack.store, stack.queue).tick()
    work(WorkerContext.from_settings(login_only), until_idle=True)
    assert stack.store.get_meta("gws/drive") is None
    Orchestrator(stack.settings, stack.store, stack.queue).tick()  # drive added
    assert min(w.key.start for w in stack.store.list_windows("gws/drive")) == START
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    assert compare(sim.ground_truth(), stack.committed()).exact
