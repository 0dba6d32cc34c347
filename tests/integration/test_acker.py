"""Finished messages are deleted in the background, several per request."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from shared.aws.clients import _session, client
from shared.aws.task_queue import SqsTaskQueue
from shared.models import TaskMessage
from worker.acker import Acker

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def task(i: int) -> TaskMessage:
    return TaskMessage(source="s", window_start=T0 + timedelta(hours=i), window_end=T0 + timedelta(hours=i + 1))


def count_requests(region: str) -> tuple[dict[str, int], Callable[[], None]]:
    counted: dict[str, int] = {}

    def count(**kwargs: Any) -> None:
        name = str(kwargs.get("event_name", "")).split(".")[-1]
        counted[name] = counted.get(name, 0) + 1

    _session(region).events.register("before-send.sqs", count)
    return counted, lambda: _session(region).events.unregister("before-send.sqs", count)


def test_receipts_are_deleted_in_batches_and_all_by_flush(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    stack.queue.send_many([task(i) for i in range(23)])
    received = []
    while len(received) < 23:
        received += stack.queue.receive(10, 0, 60)
    counted, stop = count_requests(stack.settings.aws.region)
    try:  # a client made after the hook is registered
        aws = stack.settings.aws
        acker = Acker(SqsTaskQueue(client("sqs", aws), aws.queue_name, aws.dlq_name), linger=30.0)  # only full batches go before the flush
        for message in received:
            acker.add(message.receipt_handle)
        acker.flush()
    finally:
        stop()
    assert counted["DeleteMessageBatch"] == 3 and "DeleteMessage" not in counted  # 10 + 10 + 3
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight) == (0, 0)


def test_a_lone_receipt_goes_after_the_linger_without_a_flush(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    stack.queue.send(task(0))
    message = stack.queue.receive(1, 0, 60)[0]
    acker = Acker(stack.queue, linger=0.2)
    acker.add(message.receipt_handle)
    deadline = time.monotonic() + 30  # generous: this checks that it happens, not how fast
    while stack.queue.counts().in_flight and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stack.queue.counts().in_flight == 0
    acker.flush()


def test_a_failed_delete_is_logged_and_the_rest_still_go(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    stack.queue.send_many([task(i) for i in range(3)])
    received = stack.queue.receive(10, 0, 60)
    stack.queue.delete(received[0].receipt_handle, received[0].lane)  # deleted already (SQS accepts that again)
    acker = Acker(stack.queue, linger=30.0)
    for message in received:
        acker.add(message.receipt_handle)
    acker.add("not-a-receipt-handle")
    with capture_logs() as logs:
        acker.flush()  # does not raise
    assert stack.queue.counts().in_flight == 0
    assert [e["event"] for e in logs] == ["message_delete_failed"]
    assert "not-a-receipt-handle" in logs[0]["error"]
    acker.add(received[1].receipt_handle)  # usable again after a flush
    acker.flush()


def test_a_message_that_is_not_a_task_reaches_the_dlq_once(make_stack: Callable[..., Any]) -> None:
    """A poison message is not copied to the DLQ by the worker (a worker killed between
    its copy and its delete would leave it to be copied twice): it is handed back at once
    until the queue's redrive policy moves it, which it does exactly once."""
    from shared.aws.dead_letters import DeadLetters
    from worker.context import WorkerContext
    from worker.loop import work

    stack = make_stack(max_receive_count=3)
    stack.queue._client.send_message(QueueUrl=stack.queue.url(), MessageBody="not a task {")  # noqa: SLF001
    ctx = WorkerContext.from_settings(stack.settings)
    sent: list[str] = []
    send_to_dlq = ctx.queue.send_to_dlq
    ctx.queue.send_to_dlq = lambda *args: (sent.append(args[0]), send_to_dlq(*args))  # type: ignore[method-assign]
    assert work(ctx, until_idle=True) == 3  # received three times, then moved by SQS
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.dlq, sent) == (0, 0, 1, [])
    [entry] = DeadLetters(stack.queue, stack.store).peek()
    assert entry["reason"].startswith("malformed_message: message body is not JSON"), entry
    assert entry["body"] == "not a task {"
