"""The SQS task queues (live and backfill, see ``shared.lanes``) and their DLQ behind a
small interface. Receiving takes from the live queue first; counts are totals over
both, with a breakdown per lane."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import AwsError, ResourceMissing
from shared.lanes import BACKFILL, LANES, LIVE, Lane
from shared.models import TaskMessage
from shared.redact import redact

SQS_BATCH = 10
REASON_ATTRIBUTE = "logpull_reason"
QUEUE_MISSING_CODES = frozenset({"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"})


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    attributes: dict[str, str]
    lane: Lane = LIVE  # the queue it came from: its receipt handle is valid there only


@dataclass(frozen=True)
class LaneCounts:
    visible: int = 0
    in_flight: int = 0
    delayed: int = 0


@dataclass(frozen=True)
class QueueCounts:
    visible: int
    in_flight: int
    delayed: int
    dlq: int
    lanes: dict[Lane, LaneCounts] = field(default_factory=dict)  # the totals above, per queue

    def waiting(self, lane: Lane) -> int:
        """Tasks of the lane not yet received (visible or delayed)."""
        counts = self.lanes.get(lane, LaneCounts())
        return counts.visible + counts.delayed


class ReceiptHandleInvalid(AwsError):
    """The message was deleted, or its receipt handle expired (it was received again)."""


def _aws_error(operation: str, exc: Exception, name: str | None = None) -> AwsError:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if "ReceiptHandleIsInvalid" in code or "InvalidParameterValue" in code:
            return ReceiptHandleInvalid(f"SQS {operation}: {code}")
        if {code, exc.response.get("Error", {}).get("QueryErrorCode", "")} & QUEUE_MISSING_CODES:
            return ResourceMissing(f"SQS queue {name or '?'} does not exist")
    return AwsError(f"SQS {operation} failed: {exc}")


class SqsTaskQueue:
    def __init__(self, client: Any, queue_name: str, dlq_name: str, backfill_name: str | None = None) -> None:
        self._client = client
        self._queue_name = queue_name
        self._dlq_name = dlq_name
        self._names: dict[Lane, str] = {LIVE: queue_name, BACKFILL: backfill_name or f"{queue_name}-backfill"}
        self._urls: dict[str, str] = {}

    def name(self, lane: Lane) -> str:
        return self._names[lane]

    def lane_of_queue(self, name_or_arn: str) -> Lane:
        """The lane of a queue named by its name, URL or ARN (a Lambda record's
        ``eventSourceARN``); anything else is the live queue."""
        name = name_or_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        return BACKFILL if name == self._names[BACKFILL] else LIVE

    def url(self, name: str | None = None) -> str:
        name = name or self._queue_name
        if name not in self._urls:
            response = self._call("get_queue_url", QueueName=name)
            self._urls[name] = response["QueueUrl"]
        return self._urls[name]

    # -- producing -------------------------------------------------------------
    def send(self, message: TaskMessage, delay_seconds: int = 0, lane: Lane = LIVE) -> None:
        self._call(
            "send_message",
            QueueUrl=self.url(self._names[lane]),
            MessageBody=message.to_body(),
            DelaySeconds=max(0, min(900, delay_seconds)),
        )

    def send_many(self, messages: Sequence[TaskMessage], lane: Lane = LIVE) -> None:
        """Batches of 10 (SendMessageBatch) to the lane's queue; nothing to send is a no-op."""
        for offset in range(0, len(messages), SQS_BATCH):
            batch = messages[offset : offset + SQS_BATCH]
            entries = [{"Id": str(i), "MessageBody": m.to_body()} for i, m in enumerate(batch)]
            response = self._call("send_message_batch", QueueUrl=self.url(self._names[lane]), Entries=entries)
            if response.get("Failed"):
                raise AwsError(f"SQS send_message_batch: {len(response['Failed'])} entries failed")

    def send_lanes(self, messages: Sequence[tuple[Lane, TaskMessage]]) -> dict[Lane, int]:
        """Each message to its lane's queue, the live ones first; how many per lane."""
        sent: dict[Lane, int] = {}
        for lane in LANES:
            batch = [message for in_lane, message in messages if in_lane == lane]
            self.send_many(batch, lane)
            sent[lane] = len(batch)
        return sent

    # -- consuming -------------------------------------------------------------
    def receive(self, max_messages: int, wait_seconds: int, visibility_seconds: int) -> list[Received]:
        """From the live queue if it has any (a poll that does not wait), else from the
        backfill queue (waiting up to ``wait_seconds`` for one: a live task that comes
        meanwhile waits that long at most)."""
        return (self.receive_lane(LIVE, max_messages, 0, visibility_seconds)
                or self.receive_lane(BACKFILL, max_messages, wait_seconds, visibility_seconds))

    def receive_lane(self, lane: Lane, max_messages: int, wait_seconds: int,
                     visibility_seconds: int) -> list[Received]:
        response = self._call(
            "receive_message",
            QueueUrl=self.url(self._names[lane]),
            MaxNumberOfMessages=max(1, min(SQS_BATCH, max_messages)),
            WaitTimeSeconds=max(0, min(20, wait_seconds)),
            VisibilityTimeout=visibility_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            Received(
                message_id=m["MessageId"],
                receipt_handle=m["ReceiptHandle"],
                body=m.get("Body", ""),
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                attributes=m.get("Attributes", {}),
                lane=lane,
            )
            for m in response.get("Messages", [])
        ]

    def delete(self, receipt_handle: str, lane: Lane) -> None:
        self._call("delete_message", QueueUrl=self.url(self._names[lane]), ReceiptHandle=receipt_handle)

    def delete_many(self, receipt_handles: Sequence[str], lane: Lane) -> list[str]:
        """Delete up to ``SQS_BATCH`` messages in one request; the reasons of those that
        failed (an expired receipt handle, …), empty when all were deleted."""
        entries = [{"Id": str(index), "ReceiptHandle": handle} for index, handle in enumerate(receipt_handles)]
        response = self._call("delete_message_batch", QueueUrl=self.url(self._names[lane]), Entries=entries)
        return [f"{failed.get('Code', '?')}: {failed.get('Message', '')}" for failed in response.get("Failed", [])]

    def change_visibility(self, receipt_handle: str, seconds: int, lane: Lane) -> None:
        self._call(
            "change_message_visibility",
            QueueUrl=self.url(self._names[lane]),
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(43200, seconds)),
        )

    # -- dead letters ------------------------------------------------------------
    def send_to_dlq(self, body: str, reason: str, error_class: str) -> None:
        """Park a message in the DLQ with the reason attached (a message attribute; any
        secret this process knows masked)."""
        self._call(
            "send_message",
            QueueUrl=self.url(self._dlq_name),
            MessageBody=body if body else "<empty>",
            MessageAttributes={
                REASON_ATTRIBUTE: {"DataType": "String", "StringValue": redact(reason)[:1000] or "-"},
                "logpull_error_class": {"DataType": "String", "StringValue": error_class or "-"},
            },
        )

    def receive_dead(self, visibility_seconds: int) -> list[dict[str, Any]]:
        """Up to 10 DLQ messages with their attributes (for ``dlq list`` / ``redrive``)."""
        response = self._call(
            "receive_message", QueueUrl=self.url(self._dlq_name), MaxNumberOfMessages=SQS_BATCH,
            WaitTimeSeconds=0, VisibilityTimeout=visibility_seconds,
            MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def release_dead(self, receipt_handle: str) -> None:
        self._call("change_message_visibility", QueueUrl=self.url(self._dlq_name),
                   ReceiptHandle=receipt_handle, VisibilityTimeout=0)

    def delete_dead(self, receipt_handle: str) -> None:
        self._call("delete_message", QueueUrl=self.url(self._dlq_name), ReceiptHandle=receipt_handle)

    def counts(self, dlq_too: bool = True) -> QueueCounts:
        """Approximate message counts, totals over both lanes' queues with a breakdown
        per lane (the DLQ's left at 0 without ``dlq_too``)."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        queues: dict[str, LaneCounts] = {}  # (both lanes on one queue: counted once)
        for queue in dict.fromkeys(self._names.values()):
            attrs = self._call("get_queue_attributes", QueueUrl=self.url(queue),
                               AttributeNames=names).get("Attributes", {})
            queues[queue] = LaneCounts(*(int(attrs.get(name, 0)) for name in names))
        lanes = {lane: queues[self._names[lane]] for lane in LANES}
        dlq = self._call(
            "get_queue_attributes", QueueUrl=self.url(self._dlq_name), AttributeNames=names[:1]
        ) if dlq_too else {}
        return QueueCounts(
            visible=sum(c.visible for c in queues.values()),
            in_flight=sum(c.in_flight for c in queues.values()),
            delayed=sum(c.delayed for c in queues.values()),
            dlq=int(dlq.get("Attributes", {}).get(names[0], 0)),
            lanes=lanes,
        )

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            name = kwargs.get("QueueName") or str(kwargs.get("QueueUrl", "")).rsplit("/", 1)[-1]
            raise _aws_error(operation, exc, name or None) from exc
        return result


def redrive_policy(dlq_arn: str, max_receive_count: int) -> str:
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)})
