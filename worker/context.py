"""Everything a worker needs, built once per process (or Lambda container)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.aws.clients import client
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.errors import AwsError, PermanentError
from shared.log import get_logger
from worker.sinks import open_sink
from worker.sinks.base import Sink
from worker.sources.base import Source

log = get_logger("logpull.worker")

# Called with a fault point name; tests raise from it to simulate a crash there.
FaultHook = Callable[[str], None]


def _no_fault(_: str) -> None:
    return None


@dataclass
class WorkerContext:
    settings: Settings
    store: DynamoStateStore
    queue: SqsTaskQueue
    sink: Sink
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    fault: FaultHook = _no_fault
    stop_requested: threading.Event = field(default_factory=threading.Event)
    ack_messages: bool = True  # False under a Lambda event source mapping (it deletes)
    emit_metrics: bool = False  # CloudWatch EMF lines on stdout (Lambda)
    busy: bool = False  # a task is running (SIGTERM then waits for its page)
    _local: threading.local = field(default_factory=threading.local)
    _acker: ThreadPoolExecutor | None = None
    _acker_lock: threading.Lock = field(default_factory=threading.Lock)  # a task's tail acks too

    def ack_later(self, receipt_handle: str) -> None:
        """Delete a finished task's message in the background, so the next task does not
        wait for it. Losing the delete (a crash) is harmless: the message comes back to a
        worker that finds its window done and deletes it then. ``flush_acks`` waits."""
        with self._acker_lock:
            if self._acker is None:
                self._acker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ack")
            self._acker.submit(self._ack, receipt_handle)

    def _ack(self, receipt_handle: str) -> None:
        try:
            self.queue.delete(receipt_handle)
        except AwsError as exc:
            log.warning("message_delete_failed", error=str(exc))

    def flush_acks(self) -> None:
        with self._acker_lock:
            acker, self._acker = self._acker, None
        if acker is not None:
            acker.shutdown(wait=True)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WorkerContext:
        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name, settings.aws.dlq_name)
        sink = open_sink(settings.sink, lambda: client("s3", settings.aws))
        return cls(settings=settings, store=store, queue=queue, sink=sink, **overrides)

    def source(self, source_id: str) -> tuple[SourceSettings, Source]:
        matches = [s for s in self.settings.sources if s.id == source_id]
        if not matches:
            raise PermanentError(f"no source {source_id!r} in this worker's config", reason="unknown_source")
        # one client per thread: httplib2 connections are not thread-safe
        sources: dict[str, Source] = self._local.__dict__.setdefault("sources", {})
        if source_id not in sources:
            sources[source_id] = build_source(matches[0], self.settings)
        return matches[0], sources[source_id]


def build_source(source: SourceSettings, settings: Settings) -> Source:
    from worker.secrets import SecretLoader
    from worker.sources.registry import factory_for

    built: Source = factory_for(source.kind)(source, SecretLoader(settings.aws))
    return built
