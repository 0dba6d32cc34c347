"""Find stalled windows and put them back on the queue.

A window is stalled when no message for it is left: running while its worker died
(and its message with it), or pending with its message lost (a crash between a write
and a send, a re-send that workers dropped). Re-enqueueing is safe even when a message
does survive somewhere: the new one carries a higher dispatch number, so the older copy
is dropped, and a done window's task just deletes itself.

No clock of another process decides a stall: the scavenger remembers, in the source's
meta item, each open window's mark (state, version, dispatch and lease, which a live
holder's heartbeat moves every third of a lease) and when it first saw it so on its
own clock. A window whose mark stays unchanged for long enough, as the scavenger itself
measures it, is stalled. A sighting written by another orchestrator (another clock) is
trusted only with ``CLOCK_SKEW`` more.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import QueueCounts, SqsTaskQueue
from shared.config import Settings
from shared.errors import LeaseLost
from shared.lanes import lane_of
from shared.log import get_logger
from shared.models import FIRST_PASS, Sighting, SourceMeta, TaskMessage, WindowRecord
from shared.timeutil import CLOCK_SKEW, format_instant

log = get_logger("logpull.orchestrator")
MAX_RESCUES = 8
# the longest a live message stays out of sight (the SQS delay and visibility we use at most)
MAX_HIDDEN_S = 900.0
MAX_BACKOFF = 4  # a window sent again n times waits 2**min(n, 4) times as long before the next
OBSERVER = f"{socket.gethostname()}:{os.getpid()}"  # whose clock a sighting was taken on


class Scavenger:
    def __init__(self, settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
                 clock: Callable[[], float] = time.time, observer: str = OBSERVER) -> None:
        self.settings, self.store, self.queue, self.clock = settings, store, queue, clock
        self.observer = observer
        self.lease = settings.worker.lease.total_seconds()
        self.grace = settings.orchestrator.enqueue_grace.total_seconds()
        self.settle = {source.id: source.settle for source in settings.sources}

    def sweep_source(self, meta: SourceMeta | None, windows: list[WindowRecord],
                     counts: QueueCounts) -> int:
        """Re-enqueue the stalled ones among ``windows`` (all of one source, whose
        ``meta`` was read before anything was enqueued this tick), and record what was
        seen of the open ones."""
        if meta is None:
            return 0
        now, busy = self.clock(), counts.visible + counts.in_flight + counts.delayed > 0
        sightings: dict[str, Sighting] = {}
        rescued = 0
        for window in windows:
            if window.state not in ("pending", "running"):
                continue
            if not self._enqueued(window, meta.enqueued_until):
                continue
            name = _name(window)
            seen = self._sighting(window, meta.sightings.get(name), now)
            unchanged_for = now - seen.at if seen.mark == _mark(window) else 0.0
            if unchanged_for and unchanged_for >= self._patience(window, seen, busy):
                sent = self._rescue(window, now)
                if sent is not None:
                    rescued += sent.state == "pending"
                    resends = seen.resends + (window.state == "pending")
                    seen = Sighting(_mark(sent), now, self.observer, resends)
            sightings[name] = seen
        if sightings != dict(meta.sightings):
            self.store.put_sightings(meta.source, sightings)
        return rescued

    def _sighting(self, window: WindowRecord, old: Sighting | None, now: float) -> Sighting:
        """The sighting to keep: the old one while the window is as it was then, or while
        it is too young to tell anything (a write less per tick for a live window: the
        mark it shows never comes back once changed); else this one."""
        if old is not None and old.mark == _mark(window):
            return old
        if old is not None and now - old.at < self._patience(window, old, False):
            return old
        return Sighting(_mark(window), now, self.observer)

    def _patience(self, window: WindowRecord, seen: Sighting, busy: bool) -> float:
        """How long a mark must stay unchanged before the window counts as stalled. A
        live holder moves a running window's lease every third of a lease; a pending
        window's message may wait out of sight (a retry's or continuation's delay) up to
        ``MAX_HIDDEN_S`` while the queue is busy; each re-send doubles the wait."""
        wait = 2 * self.lease + self.grace
        if window.state == "pending":
            if busy:
                wait = MAX_HIDDEN_S + self.lease + self.grace
            wait *= 2 ** min(seen.resends, MAX_BACKOFF)
        if seen.by != self.observer:
            wait += CLOCK_SKEW.total_seconds()
        return wait

    @staticmethod
    def _enqueued(window: WindowRecord, enqueued_until: datetime) -> bool:
        """First passes count once enqueued; final passes are enqueued as they are created."""
        return window.key.pass_no != FIRST_PASS or window.key.start < enqueued_until

    def _rescue(self, window: WindowRecord, now: float) -> WindowRecord | None:
        """Send the window again as a newer message (None: it moved on meanwhile). A
        running window's holder died: that counts, and a window whose workers keep
        dying fails into the DLQ; a pending one only lost its message."""
        if window.state == "running" and window.rescues >= MAX_RESCUES:
            failed = window.evolve(
                version=window.version + 1, state="failed", lease_owner=None, lease_expiry=0.0,
                updated_at=now, error=f"stalled {window.rescues} times (worker keeps dying?)",
                error_class="Stalled",
            )
            if not self._write(failed, window):
                return None
            self.queue.send_to_dlq(TaskMessage.for_window(window.key).to_body(),
                                   f"stalled: {failed.error}", "Stalled")
            return failed
        updated = window.evolve(
            version=window.version + 1, state="pending", lease_owner=None, lease_expiry=0.0,
            updated_at=now, rescues=window.rescues + (window.state == "running"),
            dispatch=window.dispatch + 1,
        )
        if not self._write(updated, window):
            return None  # it moved on while we looked: not stalled after all
        settle = self.settle.get(window.key.source, timedelta(0))
        lane = lane_of(window.key, window.created_at, settle)
        self.queue.send(TaskMessage.for_window(window.key, updated.dispatch), lane=lane)
        log.warning("window_rescued", window=str(window.key), state=window.state,
                    pages=window.pages, rescues=updated.rescues)
        return updated

    def _write(self, updated: WindowRecord, old: WindowRecord) -> bool:
        try:
            self.store.write(updated, old.version, owner=None)
        except LeaseLost:
            return False
        return True


def _name(window: WindowRecord) -> str:
    return f"{format_instant(window.key.start)}#{window.key.pass_no}"


def _mark(window: WindowRecord) -> str:
    """What changes whenever anyone moves the window (a heartbeat moves its lease)."""
    return f"{window.state}/{window.version}/{window.dispatch}/{window.lease_expiry!r}"
