"""The live tail goes first (shared.lanes) against a moto server over HTTP: the second
queue exists after `init`, a backfill fills only its own queue, and a worker takes
another source's live windows before that backlog."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.tick import Orchestrator
from shared.aws.clients import client
from shared.aws.provision import ensure_queues
from shared.aws.resources import require_resources, resources
from shared.errors import ResourceMissing
from shared.lanes import BACKFILL, LIVE
from shared.models import TaskMessage, parse_task
from worker.context import WorkerContext
from worker.loop import work
from worker.runner import TaskRunner

pytestmark = pytest.mark.integration
# a boundary an hour or more in the past, so that the simulator shows every event before it
NOW = datetime.fromtimestamp((time.time() // 3600 - 1) * 3600, tz=UTC)
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def task(i: int, source: str = "s") -> TaskMessage:
    return TaskMessage(source=source, window_start=T0 + timedelta(hours=i), window_end=T0 + timedelta(hours=i + 1))


def two_sources(stack: Any, backfill_days: int = 10) -> Any:
    """Source ``a`` (admin events) with ``backfill_days`` of history, 1 h windows; source
    ``b`` (login events) started 20 minutes ago, 10 min windows: only a live tail."""
    [base] = stack.settings.sources
    a = base.model_copy(update={"id": "a", "application": "admin", "start": NOW - timedelta(days=backfill_days),
                                "window": timedelta(hours=1), "settle": timedelta(minutes=2), "end": None})
    b = base.model_copy(update={"id": "b", "application": "login", "start": NOW - timedelta(minutes=20),
                                "window": timedelta(minutes=10), "settle": timedelta(minutes=2), "end": None})
    return stack.settings.model_copy(update={"sources": [a, b]})


def test_init_creates_the_backfill_queue_with_the_same_redrive_policy(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    settings = stack.settings
    sqs = client("sqs", settings.aws)
    urls = ensure_queues(sqs, settings)  # again: idempotent
    assert urls["backfill_queue"].endswith(settings.aws.queue_name + "-backfill")
    live, backfill = (sqs.get_queue_attributes(QueueUrl=urls[q], AttributeNames=["All"])["Attributes"]
                      for q in ("queue", "backfill_queue"))
    assert backfill["RedrivePolicy"] == live["RedrivePolicy"]
    assert backfill["VisibilityTimeout"] == live["VisibilityTimeout"] == "10"
    assert dict(resources(settings))[f"SQS backfill queue {settings.aws.backfill_queue}"] is True
    sqs.delete_queue(QueueUrl=urls["backfill_queue"])
    with pytest.raises(ResourceMissing, match="backfill queue"):
        require_resources(settings)


def test_receive_takes_the_live_queue_first_and_deletes_where_the_message_came_from(
        make_stack: Callable[..., Any]) -> None:
    queue = make_stack().queue
    queue.send_many([task(i, "a") for i in range(12)], BACKFILL)
    queue.send_many([task(i, "b") for i in range(2)], LIVE)
    got = [queue.receive(1, 0, 60)[0] for _ in range(4)]
    assert [(m.lane, parse_task(m.body).source) for m in got] == [
        (LIVE, "b"), (LIVE, "b"), (BACKFILL, "a"), (BACKFILL, "a")]
    for message in got:
        queue.delete(message.receipt_handle, message.lane)
    counts = queue.counts()
    assert (counts.visible, counts.in_flight) == (10, 0)  # totals over both queues
    assert counts.lanes[BACKFILL].visible == 10 and counts.lanes[LIVE].visible == 0


def test_a_backfill_fills_its_own_queue_and_another_sources_live_windows_go_first(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=3000, seed=3, start=NOW - timedelta(days=10), end=NOW, applications=("login", "admin"))
    stack = make_stack(sim.url)
    settings = two_sources(stack)
    clock = (NOW + timedelta(minutes=3)).timestamp
    orchestrator = Orchestrator(settings, stack.store, stack.queue, clock, max_backlog=20)
    ticked = orchestrator.tick()
    assert ticked.recorded == {"a": 240, "b": 2}
    counts = stack.queue.counts()
    assert counts.lanes[LIVE].visible == 2  # b's two windows, however full the backfill
    assert counts.lanes[BACKFILL].visible == 20  # a's history, up to the backlog limit
    orchestrator.tick()  # the backfill queue is full: nothing more of a is sent
    assert stack.queue.counts().lanes[BACKFILL].visible == 20

    ctx = WorkerContext.from_settings(settings)
    assert work(ctx, max_tasks=2) == 2
    assert [w.state for w in stack.store.list_windows("b")] == ["done", "done"]
    assert all(w.pages == 0 and w.state == "pending" for w in stack.store.list_windows("a"))


def test_a_continuation_goes_back_to_the_queue_its_task_came_from(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=5000, seed=4, start=NOW - timedelta(days=2), end=NOW, applications=("admin",),
                    page_latency=0.2)  # some 100 events a window: 10 pages
    stack = make_stack(sim.url, source={"page_size": 10})
    settings = two_sources(stack, backfill_days=2)
    settings = settings.model_copy(update={"sources": settings.sources[:1]})
    Orchestrator(settings, stack.store, stack.queue, (NOW + timedelta(minutes=3)).timestamp, max_backlog=1).tick()
    [received] = stack.queue.receive(1, 0, 60)
    assert received.lane == BACKFILL
    ctx = WorkerContext.from_settings(settings, overrun_s=0.0)
    started = ctx.clock()
    outcome = TaskRunner(ctx).run(received, started, started + 1.0)  # time for a few pages
    ctx.flush_acks()
    assert outcome.outcome == "continued", outcome
    counts = stack.queue.counts()
    assert (counts.lanes[BACKFILL].visible, counts.lanes[LIVE].visible) == (1, 0)
    assert counts.in_flight == 0  # the task's own message was deleted from the backfill queue


def test_a_lambda_record_is_in_the_lane_of_the_queue_its_mapping_reads(make_stack: Callable[..., Any]) -> None:
    from worker.lambda_handler import to_received

    stack = make_stack()
    ctx = WorkerContext.from_settings(stack.settings, ack_messages=False)
    aws = stack.settings.aws
    for name, lane in ((aws.queue_name, LIVE), (aws.backfill_queue, BACKFILL)):
        record = {"messageId": "m", "receiptHandle": "r", "body": "{}", "attributes": {},
                  "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{name}"}
        assert to_received(record, ctx).lane == lane


def test_both_lanes_on_one_queue_are_counted_once(make_stack: Callable[..., Any]) -> None:
    """``backfill_queue_name = queue_name``: one queue, no lanes (as before them)."""
    from shared.aws.task_queue import SqsTaskQueue

    stack = make_stack()
    aws = stack.settings.aws
    queue = SqsTaskQueue(client("sqs", aws), aws.queue_name, aws.dlq_name, aws.queue_name)
    queue.send_many([task(i) for i in range(3)], BACKFILL)
    queue.send(task(9), lane=LIVE)
    counts = queue.counts()
    assert counts.visible == 4 and counts.waiting(BACKFILL) == counts.waiting(LIVE) == 4
    got = queue.receive(10, 0, 60)
    assert len(got) == 4
    for message in got:
        queue.delete(message.receipt_handle, message.lane)
    assert queue.counts().in_flight == 0
