"""Deleting finished tasks' messages in the background, several per request."""

from __future__ import annotations

import threading
import time

from shared.aws.task_queue import SQS_BATCH, SqsTaskQueue
from shared.errors import AwsError
from shared.lanes import LIVE, Lane
from shared.log import get_logger

log = get_logger("logpull.worker")


class Acker:
    """Finished messages are deleted by one background thread, so the next task does not
    wait for it, and up to ten per ``DeleteMessageBatch``: a receipt waits up to
    ``linger`` seconds for others to join it (tasks finish one after another, each a
    fraction of a second apart when the API is fast); a batch holds receipts of one
    queue (lane) only. Losing a delete (a crash, a
    failed request) is harmless: the message comes back to a worker that finds its
    window done and deletes it then. ``flush`` deletes what is left, at once."""

    def __init__(self, queue: SqsTaskQueue, linger: float = 1.0) -> None:
        self._queue, self._linger = queue, linger
        self._pending: list[tuple[Lane, str]] = []
        self._since = 0.0  # when the oldest pending receipt was added
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._flushing = False

    def add(self, receipt_handle: str, lane: Lane = LIVE) -> None:
        with self._changed:
            if not self._pending:
                self._since = time.monotonic()
            self._pending.append((lane, receipt_handle))
            if self._thread is None:
                self._flushing = False
                self._thread = threading.Thread(target=self._run, name="ack", daemon=True)
                self._thread.start()
            self._changed.notify()

    def flush(self) -> None:
        """Delete every receipt added so far, and wait for it."""
        with self._changed:
            thread, self._flushing = self._thread, True
            self._changed.notify()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while batch := self._next_batch():
            try:
                failed = self._queue.delete_many([handle for _, handle in batch], batch[0][0])
            except AwsError as exc:
                log.warning("message_delete_failed", error=str(exc), messages=len(batch))
            else:
                for reason in failed:
                    log.warning("message_delete_failed", error=reason)

    def _next_batch(self) -> list[tuple[Lane, str]]:
        """Up to ten receipts of one lane (the oldest's), once ten are waiting, the
        oldest waited ``linger`` or a flush began; empty when flushing and nothing is
        left (the thread then ends)."""
        with self._changed:
            while not self._flushing and len(self._pending) < SQS_BATCH:
                if not self._pending:
                    self._changed.wait()
                    continue
                left = self._since + self._linger - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            batch: list[tuple[Lane, str]] = []
            rest: list[tuple[Lane, str]] = []
            for entry in self._pending:  # the oldest's lane (one queue per DeleteMessageBatch)
                (batch if entry[0] == self._pending[0][0] and len(batch) < SQS_BATCH else rest).append(entry)
            self._pending = rest
            self._since = time.monotonic()
            if not batch:
                self._thread = None
            return batch
