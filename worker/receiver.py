"""Receiving tasks, with the next one fetched while the current one finishes.

When a task nears the end of its window (a few pages before, by its pace; its last page
at the latest), the worker asks for the next message in the background (no long poll)
and may start reading that message's first page (``on_received``), so the next task
starts without a queue round trip or an API one. A message received ahead is held for
about the length of those pages (longer when the estimate was off: its task's heartbeat
then extends its visibility at once); if the worker stops instead, it is handed back at
once (visibility 0), so nothing waits for a timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from shared.aws.task_queue import Received
from shared.errors import AwsError
from shared.log import get_logger
from worker.context import WorkerContext

log = get_logger("logpull.worker")


class Receiver:
    def __init__(self, ctx: WorkerContext, wait_seconds: int, visibility_seconds: int,
                 on_received: Callable[[Received, float], None] | None = None) -> None:
        self.ctx, self.wait, self.visibility = ctx, wait_seconds, visibility_seconds
        self.on_received = on_received  # (message, when it was asked for), on the receiving thread
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: Future[list[Received]] | None = None
        self._asked_at = 0.0

    def receive_ahead(self) -> None:
        """Ask for the next message now (called when the current task nears its end)."""
        if self._ahead is not None or self.ctx.stop_requested.is_set():
            return
        self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="receive")
        self._asked_at = self.ctx.clock()
        self._ahead = self._pool.submit(self._receive_one, self._asked_at)

    def _receive_one(self, asked_at: float) -> list[Received]:
        batch = self.ctx.queue.receive(1, 0, self.visibility)
        if batch and self.on_received is not None:
            try:
                self.on_received(batch[0], asked_at)
            except Exception:  # noqa: BLE001 - only a head start: the message is still returned
                log.warning("read_ahead_failed", exc_info=True)
        return batch

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
