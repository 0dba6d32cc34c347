"""The DLQ as operators see it: each entry's window and reason; redrive."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import REASON_ATTRIBUTE, SqsTaskQueue
from shared.errors import LeaseLost, MalformedMessage
from shared.lanes import LIVE, Lane, lane_of
from shared.models import TaskMessage, parse_task
from shared.timeutil import format_instant

PEEK_VISIBILITY = 5


class DeadLetters:
    def __init__(self, queue: SqsTaskQueue, store: DynamoStateStore,
                 settle: Mapping[str, timedelta] | None = None) -> None:
        """``settle``: per source id, its setting (which lane a redriven task goes to)."""
        self.queue, self.store = queue, store
        self.settle = dict(settle or {})

    def _drain(self, visibility: int) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(100):
            messages = self.queue.receive_dead(visibility)
            if not messages:
                break
            for message in messages:
                seen.setdefault(message["MessageId"], message)
        return list(seen.values())

    def _describe(self, message: dict[str, Any]) -> dict[str, Any]:
        attrs = message.get("MessageAttributes", {})
        reason = attrs.get(REASON_ATTRIBUTE, {}).get("StringValue")
        entry: dict[str, Any] = {"message_id": message["MessageId"], "source": None,
                                 "window_start": None, "window_end": None, "pass": None,
                                 "reason": reason, "error_class": attrs.get("logpull_error_class", {}).get("StringValue")}
        try:
            task = parse_task(message.get("Body", ""))
        except MalformedMessage as exc:  # moved by the queue's redrive policy (see TaskRunner._poison)
            entry["reason"] = reason or f"{exc.reason}: {exc.message}"
            entry["body"] = message.get("Body", "")[:200]
            return entry
        entry.update(source=task.source, window_start=format_instant(task.window_start),
                     window_end=format_instant(task.window_end), **{"pass": task.pass_no})
        if not reason:  # moved by SQS's redrive policy (too many receives): ask the state
            record = self.store.get_window(task.key)
            entry["reason"] = (record.error if record and record.error else
                               f"maxReceiveCount exceeded (window {record.state if record else 'unknown'})")
        return entry

    def peek(self) -> list[dict[str, Any]]:
        messages = self._drain(PEEK_VISIBILITY)
        entries = [self._describe(m) for m in messages]
        for message in messages:  # make them visible again at once
            self.queue.release_dead(message["ReceiptHandle"])
        return entries

    def redrive(self) -> tuple[int, int]:
        moved = kept = 0
        for message in self._drain(30):
            try:
                task = parse_task(message.get("Body", ""))
            except MalformedMessage:
                kept += 1
                self.queue.release_dead(message["ReceiptHandle"])
                continue
            self.queue.send(*self._reopen(task))
            self.queue.delete_dead(message["ReceiptHandle"])
            moved += 1
        return moved, kept

    def _reopen(self, task: TaskMessage) -> tuple[TaskMessage, int, Lane]:
        """The task to send back (with no delay, to its window's lane): a failed window
        is reopened; any other keeps its state (a done window stays done: the task only
        rolls its publishes forward). Either way the window counts the new message as
        its latest, so older copies are dropped."""
        record = self.store.get_window(task.key)
        if record is None:  # (a worker puts it back in the DLQ: unknown window)
            return task, 0, LIVE
        lane = lane_of(record.key, record.created_at, self.settle.get(record.key.source, timedelta(0)))
        if record.state == "running":  # a live worker's: leave it be
            return task, 0, lane
        changes: dict[str, Any] = {"dispatch": record.dispatch + 1}
        if record.state == "failed":
            changes.update(state="pending", lease_owner=None, lease_expiry=0.0, rescues=0, token_resets=0,
                           error=None, error_class=None)
        try:
            self.store.write(record.evolve(version=record.version + 1, **changes), record.version, owner=None)
        except LeaseLost:  # it moved on meanwhile: its own message carries it on
            return task, 0, lane
        return TaskMessage.for_window(task.key, record.dispatch + 1), 0, lane
