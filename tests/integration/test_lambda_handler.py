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


def as_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event an SQS event source mapping delivers."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"],
                       "SentTimestamp": m["Attributes"].get("SentTimestamp", "0")},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1",
    } for m in messages]}


def esm_invoke(stack: Any, invoke: Callable[[dict[str, Any], Any], dict[str, Any]], batch: int = 2) -> float | None:
    """One poll + invocation + deletion, like the event source mapping; the duration."""
    sqs, url = stack.queue._client, stack.queue.url()  # noqa: SLF001
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, WaitTimeSeconds=1,
                                   VisibilityTimeout=30, MessageSystemAttributeNames=["All"]).get("Messages", [])
    if not messages:
        return None
    began = time.monotonic()
    result = invoke(as_event(messages), FakeContext(1500))
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
    stack.queue._client.send_message(QueueUrl=stack.queue.url(), MessageBody='{"v": 99}')  # noqa: SLF001
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
