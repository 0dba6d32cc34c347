"""worker.lambda_handler with real SQS event shapes: records received from a moto queue,
a context with little time left, and a driver that deletes what the handler did not
report as failed (as the event source mapping does)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import worker.lambda_handler as lambda_handler
from orchestrator.tick import Orchestrator
from shared.aws.dead_letters import DeadLetters
from shared.verify import compare_sink
from worker.context import WorkerContext

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


class FakeContext:
    def __init__(self, remaining_ms: int) -> None:
        self.deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def as_event(messages: list[dict[str, Any]], queue_name: str = "q") -> dict[str, Any]:
    """The event an SQS event source mapping delivers."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"],
                       "SentTimestamp": m["Attributes"].get("SentTimestamp", "0")},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue_name}", "awsRegion": "us-east-1",
    } for m in messages]}


def esm_invoke(stack: Any, invoke: Callable[[dict[str, Any], Any], dict[str, Any]], batch: int = 2) -> float | None:
    """One poll + invocation + deletion, like the event source mappings (one on the live
    queue, one on the backfill queue: the first that has messages); the duration."""
    sqs = stack.queue._client  # noqa: SLF001
    for name in (stack.settings.aws.queue_name, stack.settings.aws.backfill_queue):
        url = stack.queue.url(name)
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, WaitTimeSeconds=0,
                                       VisibilityTimeout=30, MessageSystemAttributeNames=["All"]).get("Messages", [])
        if messages:
            break
    else:
        return None
    began = time.monotonic()
    result = invoke(as_event(messages, name), FakeContext(1500))
    took = time.monotonic() - began
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return took


def test_windows_finish_across_invocations(make_stack: Callable[..., Any], simulator: Callable[..., Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    sim = simulator(events=900, seed=9, start=START, end=START + timedelta(hours=2), page_latency=0.25)
    stack = make_stack(sim.url, source={"end": "2026-11-01T02:00:00Z", "window": "30m", "page_size": 30})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    monkeypatch.setenv("LOGPULL_CONFIG", str(stack.config_path))
    monkeypatch.setattr(lambda_handler, "_CONTEXT", None)
    durations = []
    for _ in range(200):
        took = esm_invoke(stack, lambda_handler.handler)
        if took is None:
            break
        durations.append(took)
    assert all(w.state == "done" for w in stack.store.list_windows("gws-login"))
    assert len(durations) > 4, "windows should need several invocations"
    assert max(durations) < 2.5, durations  # the 1.5 s context, plus slack for a loaded machine
    result = compare_sink(sim.ground_truth(), str(stack.sink_root))
    assert (result.missing, result.duplicates, result.expected) == (0, 0, 900)
    assert all(q["count"] == 1 for q in sim.stats()["first_page_requests"]), "a window restarted"
    assert sum(w.continuations for w in stack.store.list_windows("gws-login")) > 0
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.dlq) == (0, 0, 0)


def test_a_malformed_record_does_not_fail_the_batch(make_stack: Callable[..., Any],
                                                     simulator: Callable[..., Any]) -> None:
    sim = simulator(events=100, seed=2, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z"}, max_receive_count=1)
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    # beside the window's task, on the backfill queue (a window of the past is history)
    stack.queue._client.send_message(QueueUrl=stack.queue.url(stack.settings.aws.backfill_queue),  # noqa: SLF001
                                     MessageBody='{"v": 99}')
    ctx = WorkerContext.from_settings(stack.settings, ack_messages=False)

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert len(event["Records"]) == 2
        return lambda_handler.handle_batch(ctx, event["Records"], context.get_remaining_time_in_millis())

    esm_invoke(stack, invoke)
    assert [w.state for w in stack.store.list_windows("gws-login")] == ["done"]
    # the poison record was reported failed and handed back at once: the next poll finds
    # it over max_receive_count, and the queue's redrive policy moves it to the DLQ
    assert esm_invoke(stack, invoke) is None
    entries = DeadLetters(stack.queue, stack.store).peek()
    assert len(entries) == 1 and entries[0]["reason"].startswith("malformed_message")
    assert stack.queue.counts().visible == 0
