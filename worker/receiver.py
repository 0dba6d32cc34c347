"""Receiving tasks, with the next one fetched while the current one finishes.

When a task reaches its last page, the worker asks for the next message in the
background (no long poll), so the next task starts as soon as the last checkpoint
settles instead of after one more queue round trip. A message received ahead is held
for the length of one checkpoint; if the worker stops instead, it is handed back at
once (visibility 0), so nothing waits for a timeout.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from shared.aws.task_queue import Received
from shared.errors import AwsError
from shared.log import get_logger
from worker.context import WorkerContext

log = get_logger("logpull.worker")


class Receiver:
    def __init__(self, ctx: WorkerContext, wait_seconds: int, visibility_seconds: int) -> None:
        self.ctx, self.wait, self.visibility = ctx, wait_seconds, visibility_seconds
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: Future[list[Received]] | None = None
        self._asked_at = 0.0

    def receive_ahead(self) -> None:
        """Ask for the next message now (called when the current task is on its last page)."""
        if self._ahead is not None or self.ctx.stop_requested.is_set():
            return
        self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="receive")
        self._asked_at = self.ctx.clock()
        self._ahead = self._pool.submit(self.ctx.queue.receive, 1, 0, self.visibility)

    def receive(self) -> tuple[list[Received], float]:
        """The message received ahead, if there is one, else wait for one (long poll);
        with the time it was asked for (its visibility timeout runs from about then, so
        the task's lease and deadline count from it too)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            try:
                batch = ahead.result()
            except AwsError as exc:
                log.warning("receive_failed", error=str(exc))
                batch = []
            if batch:
                return batch, self._asked_at
        asked_at = self.ctx.clock()
        return self.ctx.queue.receive(1, self.wait, self.visibility), asked_at

    def close(self) -> None:
        """Hand back a message received ahead but never started."""
        ahead, self._ahead = self._ahead, None
        try:
            for received in ahead.result() if ahead is not None else []:
                self.ctx.queue.change_visibility(received.receipt_handle, 0)
        except AwsError as exc:  # it comes back once its visibility timeout ends
            log.warning("hand_back_failed", error=str(exc))
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
