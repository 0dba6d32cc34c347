"""The settled-until mark never passes a window that can still change: a failed window
(first or final pass) that `logpull dlq redrive` reopens after the mark moved up to it is
still listed by a tick, enqueued work for it is not lost, and a lost message is rescued."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from control_plane_helpers import HOUR, T0, add_history, settled_window
from orchestrator.ledger import ledger
from orchestrator.tick import Orchestrator
from shared.aws.dead_letters import DeadLetters
from shared.models import FINAL_PASS, TaskMessage, WindowRecord, parse_task

pytestmark = [pytest.mark.integration, pytest.mark.engines]  # engines: also on a DynamoDB engine


def at(hours: float) -> Callable[[], float]:
    return lambda: (T0 + hours * HOUR).timestamp()


def orchestrator(stack: Any, hours: float = 20) -> Orchestrator:
    """Ticking ``hours`` after T0, the run capped at the 10 windows: nothing new to record."""
    return Orchestrator(stack.settings, stack.store, stack.queue, clock=at(hours),
                        until={stack.settings.sources[0].id: T0 + 10 * HOUR})


def _drain(stack: Any) -> list[TaskMessage]:
    """Take every task off the queue (a worker that died with them: nothing left queued)."""
    taken = []
    while batch := stack.queue.receive(10, 0, 300):
        for received in batch:
            taken.append(parse_task(received.body))
            stack.queue.delete(received.receipt_handle, received.lane)
    return taken


def _fail_into_dlq(stack: Any, record: WindowRecord) -> None:
    stack.queue.send_to_dlq(TaskMessage.for_window(record.key).to_body(), "http_500: boom", "PermanentError")


@pytest.mark.parametrize("pass_no", ["first", "final"])
def test_a_failed_window_redriven_after_the_mark_moved_is_still_seen_and_rescued(
        make_stack: Callable[..., Any], pass_no: str) -> None:
    stack = make_stack()
    source = stack.settings.sources[0]
    early = (T0 + 4 * HOUR).timestamp()  # read within the late horizon: a final pass is due
    if pass_no == "first":
        failed = settled_window(source.id, 3, state="failed", error="boom", events=0)
        add_history(stack.store, source.id, 10, {3: failed})
    else:
        add_history(stack.store, source.id, 10, {3: settled_window(source.id, 3, started_at=early)})
        failed = WindowRecord(key=replace(failed_key(source.id), pass_no=FINAL_PASS), state="failed",
                              error="boom", updated_at=1.0)
        assert stack.store.create_window(failed)
    _fail_into_dlq(stack, failed)
    warm = orchestrator(stack)
    warm.tick()
    assert stack.store.get_meta(source.id).settled.until == T0 + 3 * HOUR  # up to the failed one, not past it

    assert DeadLetters(stack.queue, stack.store).redrive() == (1, 0)
    assert stack.store.get_window(failed.key).state == "pending"
    assert [t.key for t in _drain(stack)] == [failed.key]  # the redriven task, then its worker died

    assert orchestrator(stack, 19).tick().rescued[source.id] == 0  # seen pending, with no message
    for tick in (warm, orchestrator(stack, 21)):  # warm; cold, once the rescued one stalled again
        result = tick.tick()
        assert failed.key in [w.key for w in result.windows[source.id]]
        assert result.rescued[source.id] == 1
        assert [t.key for t in _drain(stack)] == [failed.key]
        assert stack.store.get_meta(source.id).settled.until == T0 + 3 * HOUR
        assert result.ledgers[source.id] == ledger(source, list(stack.store.list_windows(source.id)))

    done = stack.store.get_window(failed.key)
    stack.store.write(done.evolve(version=done.version + 1, state="done", events=2), done.version, owner=None)
    result = orchestrator(stack).tick()
    assert stack.store.get_meta(source.id).settled.until == T0 + 10 * HOUR
    assert result.ledgers[source.id] == ledger(source, list(stack.store.list_windows(source.id)))


def failed_key(source: str) -> Any:
    return settled_window(source, 3).key
