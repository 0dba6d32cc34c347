"""The SQS task queue and `init` against a real HTTP endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from shared.aws.clients import client
from shared.aws.provision import ensure_queues, ensure_table
from shared.aws.task_queue import ReceiptHandleInvalid
from shared.models import TaskMessage, parse_task

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def task(i: int) -> TaskMessage:
    return TaskMessage(source="s", window_start=T0 + timedelta(hours=i), window_end=T0 + timedelta(hours=i + 1))


def test_init_is_idempotent_and_sets_the_redrive_policy(make_stack: Callable[..., object]) -> None:
    stack = make_stack()
    settings = stack.settings  # type: ignore[attr-defined]
    sqs = client("sqs", settings.aws)
    again = ensure_queues(sqs, settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    attrs = sqs.get_queue_attributes(QueueUrl=again["queue"], AttributeNames=["All"])["Attributes"]
    policy = json.loads(attrs["RedrivePolicy"])
    assert policy["deadLetterTargetArn"].endswith(settings.aws.dlq_name)
    assert int(policy["maxReceiveCount"]) == settings.aws.max_receive_count
    assert attrs["VisibilityTimeout"] == "10"


def test_send_receive_visibility_delete(make_stack: Callable[..., object]) -> None:
    queue = make_stack().queue  # type: ignore[attr-defined]
    queue.send_many([task(i) for i in range(23)])  # three batches
    assert queue.counts().visible == 23
    got = queue.receive(10, 0, 30)
    assert len(got) == 10 and all(parse_task(m.body).source == "s" for m in got)
    assert queue.counts().in_flight == 10
    queue.change_visibility(got[0].receipt_handle, 0, got[0].lane)
    for message in got[1:]:
        queue.delete(message.receipt_handle, message.lane)
    counts = queue.counts()
    assert counts.visible == 14 and counts.in_flight == 0


def test_dead_letters_carry_their_reason(make_stack: Callable[..., object]) -> None:
    stack = make_stack()
    from shared.aws.dead_letters import DeadLetters

    stack.queue.send_to_dlq("not json", "malformed_message: body is not JSON", "MalformedMessage")  # type: ignore[attr-defined]
    stack.queue.send_to_dlq(task(0).to_body(), "http_403: forbidden", "PermanentError")  # type: ignore[attr-defined]
    entries = DeadLetters(stack.queue, stack.store).peek()  # type: ignore[attr-defined]
    assert sorted(e["reason"] for e in entries) == ["http_403: forbidden", "malformed_message: body is not JSON"]
    assert stack.queue.counts().dlq == 2  # type: ignore[attr-defined]
    moved, kept = DeadLetters(stack.queue, stack.store).redrive()  # type: ignore[attr-defined]
    assert (moved, kept) == (1, 1)


def test_deleted_receipt_is_reported_as_invalid(make_stack: Callable[..., object]) -> None:
    queue = make_stack().queue  # type: ignore[attr-defined]
    queue.send(task(0))
    message = queue.receive(1, 0, 30)[0]
    queue.delete(message.receipt_handle, message.lane)
    with pytest.raises(ReceiptHandleInvalid):
        queue.change_visibility(message.receipt_handle, 10, message.lane)
