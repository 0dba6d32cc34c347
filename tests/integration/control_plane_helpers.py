"""Shared by the control-plane tests: a source's history of settled windows written
straight into the table, and a store and queue whose AWS requests are counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.aws.clients import client
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings
from shared.models import SourceMeta, WindowKey, WindowRecord
from shared.timeutil import format_instant

T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def settled_window(source: str, i: int, **changes: Any) -> WindowRecord:
    """Window ``i`` (hours from T0), done, read long after its late horizon (no final pass)."""
    key = WindowKey(source, T0 + i * HOUR, T0 + (i + 1) * HOUR)
    record = WindowRecord(key=key, state="done", version=3, pages=2, events=7, continuations=1,
                          started_at=(key.end + 5 * HOUR).timestamp(), updated_at=1.0)
    return record.evolve(**changes)


def add_history(store: DynamoStateStore, source: str, upto: int, records: dict[int, WindowRecord] | None = None) -> None:
    """Record windows from the watermark to ``upto`` (settled ones unless ``records`` says
    otherwise) and move the watermark and the enqueue mark past them."""
    records = records or {}
    meta = store.get_meta(source)
    begin = int((meta.watermark - T0) / HOUR) if meta else 0
    enqueued = meta.enqueued_until if meta else T0
    for at in range(begin, upto, 99):
        chunk = [records.get(i) or settled_window(source, i) for i in range(at, min(upto, at + 99))]
        new = SourceMeta(source, chunk[-1].key.end, enqueued, version=(meta.version + 1) if meta else 1, recorded_at=1.0)
        store.record_windows(meta, new, chunk)
        meta = store.get_meta(source)
    assert store.advance_enqueued(source, format_instant(enqueued), format_instant(T0 + upto * HOUR))


@dataclass
class Counted:
    """A store and a queue on clients of their own, with every request counted (a
    botocore ``before-send`` hook: each HTTP request, retries too) and the window
    items every Query returned."""

    store: DynamoStateStore
    queue: SqsTaskQueue
    requests: Counter[str] = field(default_factory=Counter)
    items_read: int = 0

    def reset(self) -> None:
        self.requests.clear()
        self.items_read = 0


def counted(settings: Settings) -> Counted:
    dynamodb, sqs = client("dynamodb", settings.aws), client("sqs", settings.aws)
    out = Counted(DynamoStateStore(dynamodb, settings.aws.table_name),
                  SqsTaskQueue(sqs, settings.aws.queue_name, settings.aws.dlq_name))

    def on_send(event_name: str, **_: Any) -> None:
        out.requests[event_name.split(".")[-1]] += 1

    def on_query(parsed: dict[str, Any], **_: Any) -> None:
        out.items_read += int(parsed.get("Count", 0))

    for events in (dynamodb.meta.events, sqs.meta.events):
        events.register("before-send", on_send)
    dynamodb.meta.events.register("after-call.dynamodb.Query", on_query)
    return out
