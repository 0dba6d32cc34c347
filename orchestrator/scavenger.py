"""Find stalled windows and put them back on the queue.

A window is stalled when its worker died and no message for it is left: running with a
lease that expired long ago while no message waits in the queue, or pending (recorded
or released) while the queue holds nothing at all. Re-enqueueing is safe even when a
message does survive somewhere: a worker that gets a second message for a window that is
done, or leased by a live worker, just deletes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import QueueCounts, SqsTaskQueue
from shared.config import Settings
from shared.errors import LeaseLost
from shared.lanes import lane_of
from shared.log import get_logger
from shared.models import FIRST_PASS, SourceMeta, TaskMessage, WindowRecord

log = get_logger("logpull.orchestrator")
MAX_RESCUES = 8


class Scavenger:
    def __init__(self, settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings, self.store, self.queue, self.clock = settings, store, queue, clock
        self.lease = settings.worker.lease.total_seconds()
        self.grace = settings.orchestrator.enqueue_grace.total_seconds()
        self.settle = {source.id: source.settle for source in settings.sources}

    def sweep_source(self, meta: SourceMeta | None, windows: list[WindowRecord], counts: QueueCounts) -> int:
        """Re-enqueue the stalled ones among ``windows`` (all of one source, whose
        ``meta`` was read before anything was enqueued this tick)."""
        if meta is None:
            return 0
        stalled = [w for w in windows if self._enqueued(w, meta.enqueued_until) and self._stalled(w, counts)]
        return sum(self._rescue(w) for w in stalled)

    @staticmethod
    def _enqueued(window: WindowRecord, enqueued_until: datetime) -> bool:
        """First passes count once enqueued; final passes are enqueued as they are created."""
        return window.key.pass_no != FIRST_PASS or window.key.start < enqueued_until

    def _stalled(self, window: WindowRecord, counts: QueueCounts) -> bool:
        now = self.clock()
        if window.state == "running":  # its message should have been re-leased by now
            return window.lease_expiry + self.lease + self.grace < now
        if window.state == "pending":  # (nothing in either lane's queue)
            nothing_queued = counts.visible + counts.in_flight + counts.delayed == 0
            return nothing_queued and window.updated_at + 2 * self.lease + self.grace < now
        return False

    def _rescue(self, window: WindowRecord) -> int:
        now = self.clock()
        if window.rescues >= MAX_RESCUES:
            failed = window.evolve(
                version=window.version + 1, state="failed", lease_owner=None, lease_expiry=0.0,
                updated_at=now, error=f"stalled {window.rescues} times (worker keeps dying?)",
                error_class="Stalled",
            )
            if not self._write(failed, window):
                return 0
            self.queue.send_to_dlq(TaskMessage.for_window(window.key).to_body(),
                                   f"stalled: {failed.error}", "Stalled")
            return 0
        updated = window.evolve(
            version=window.version + 1, state="pending", lease_owner=None, lease_expiry=0.0,
            updated_at=now, rescues=window.rescues + 1, dispatch=window.dispatch + 1,
        )
        if not self._write(updated, window):
            return 0  # it moved on while we looked: not stalled after all
        lane = lane_of(window.key, window.created_at, self.settle.get(window.key.source, timedelta(0)))
        self.queue.send(TaskMessage.for_window(window.key, updated.dispatch), lane=lane)
        log.warning("window_rescued", window=str(window.key), state=window.state,
                    pages=window.pages, rescues=updated.rescues)
        return 1

    def _write(self, updated: WindowRecord, old: WindowRecord) -> bool:
        try:
            self.store.write(updated, old.version, owner=None)
        except LeaseLost:
            return False
        return True
