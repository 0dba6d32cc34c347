"""One scheduling tick: record new windows (moving the watermark in the same
transaction), enqueue recorded windows from the enqueued mark on (so windows an
orchestrator recorded but died before enqueueing are enqueued by the next tick),
schedule due final passes, rescue stalled windows and log the completeness ledger.

Tasks go to two queues (``shared.lanes``): live first passes are always sent, to the
live queue; backfill (history, final passes) goes to the backfill queue while fewer
than ``max_backlog`` tasks wait there. So a months-long backfill never stands between
another source's live window and the workers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared import metrics
from shared.aws.state_store import MAX_TRANSACTION_ITEMS, DynamoStateStore
from shared.aws.task_queue import QueueCounts, SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.errors import ConflictError
from shared.lanes import BACKFILL, LIVE_WINDOWS, Lane, lane_of
from shared.log import get_logger
from shared.models import FINAL_PASS, FIRST_PASS, SourceFailure, SourceMeta, TaskMessage, WindowKey, WindowRecord
from shared.settled import SettledMark
from shared.timeutil import format_instant, from_epoch
from orchestrator.late import due_final_passes
from orchestrator.ledger import Ledger, log_ledger
from orchestrator.listing import Listed, WindowListing
from orchestrator.planning import plan_head, plan_windows
from orchestrator import source_failure
from orchestrator.scavenger import Scavenger

log = get_logger("logpull.orchestrator")
WINDOWS_PER_TRANSACTION = MAX_TRANSACTION_ITEMS - 1
MAX_CONFLICT_RETRIES = 20


@dataclass
class TickResult:
    recorded: dict[str, int] = field(default_factory=dict)
    enqueued: dict[str, int] = field(default_factory=dict)
    final_passes: dict[str, int] = field(default_factory=dict)
    windows: dict[str, list[WindowRecord]] = field(default_factory=dict)  # as listed this tick (past the settled)
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    settled: dict[str, SettledMark] = field(default_factory=dict)  # where ``windows`` begin
    rescued: dict[str, int] = field(default_factory=dict)
    failed_sources: dict[str, SourceFailure] = field(default_factory=dict)  # marked failed: nothing sent
    # what the tick left due: recorded windows past the enqueue mark (not sent: no room,
    # or not listed), and sources whose recording stopped at max_windows_per_tick
    unsent: dict[str, int] = field(default_factory=dict)
    budget_spent: set[str] = field(default_factory=set)
    room: int = 0  # tasks the backfill queue still had room for when the tick ended

    @property
    def behind(self) -> bool:
        """More windows are due than this tick recorded and sent (a backfill)."""
        return bool(self.budget_spent) or any(self.unsent.values())

    @property
    def moved(self) -> bool:
        """The tick recorded or sent something (another tick at once may move more)."""
        return any(self.recorded.values()) or any(self.enqueued.values())


class Orchestrator:
    def __init__(self, settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
                 clock: Callable[[], float] = time.time,
                 until: dict[str, datetime] | None = None, final_due_by: float | None = None,
                 emit_metrics: bool = False, max_backlog: int | None = None,
                 max_windows_per_tick: int | None = None, tick_lines: str = "info") -> None:
        """``tick_lines``: the level of the per-tick lines (``tick_finished``, ``ledger``);
        ``run`` ticks every second and logs its progress instead, so at debug there."""
        self.tick_lines = tick_lines
        self.settings, self.store, self.queue, self.clock = settings, store, queue, clock
        self.until = until or {}  # optional per-source cap (``run --until-caught-up``)
        self.final_due_by = final_due_by  # optional cap on final passes (same)
        self.emit_metrics = emit_metrics
        self._deadline: float | None = None
        self.max_backlog = max_backlog or settings.orchestrator.max_backlog
        self.max_windows_per_tick = max_windows_per_tick or settings.orchestrator.max_windows_per_tick
        self.listing = WindowListing(store)  # remembers the settled past between ticks
        self._first: dict[str, datetime] = {}  # where each source's recorded windows begin (see _first_recorded)

    def tick(self, deadline: float | None = None) -> TickResult:
        """One tick: record new windows, enqueue recorded ones while the queue's backlog
        has room, schedule due final passes, rescue stalled windows, log the ledger.
        With ``deadline`` (epoch seconds) it stops recording when time runs out."""
        result = TickResult()
        self._deadline = deadline
        metas = self.store.get_metas([s.id for s in self.settings.sources])  # one read for all sources
        for source in self.settings.sources:
            recorded, metas[source.id] = self._schedule(source, metas[source.id])
            result.recorded[source.id] = len(recorded)
            if len(recorded) >= self.max_windows_per_tick:
                result.budget_spent.add(source.id)
        counts = self.queue.counts(dlq_too=self.emit_metrics)  # the DLQ depth is for metrics only
        room = self.max_backlog - counts.waiting(BACKFILL)  # live tasks are always sent
        scavenger = Scavenger(self.settings, self.store, self.queue, self.clock)
        for source in self.settings.sources:
            meta = metas[source.id]  # as read, and moved by our own recording: scheduling is done with it
            listed = self.listing.windows(source, meta, self._listing_bound(source, meta, room))
            windows = result.windows[source.id] = listed.windows  # past the settled prefix
            result.settled[source.id] = listed.settled
            if meta is not None and meta.failed is not None:
                if not source_failure.credentials_changed(source, meta):
                    result.failed_sources[source.id] = meta.failed  # (its windows wait for a reset)
                    result.enqueued[source.id] = result.final_passes[source.id] = result.rescued[source.id] = 0
                    result.ledgers[source.id] = self._report(source, listed, counts)
                    continue
                room -= source_failure.clear(self.store, self.queue, meta, windows, why="credentials changed",
                                             settle=source.settle) or 0
                meta = replace(meta, failed=None)
            sent, result.unsent[source.id] = self._enqueue(source, meta, windows, max(0, room),
                                                          listed.settled.until)
            result.enqueued[source.id] = sum(sent.values())
            room -= sent.get(BACKFILL, 0)
            result.final_passes[source.id] = self._schedule_final_passes(source, windows)
            result.rescued[source.id] = scavenger.sweep_source(meta, windows, counts)
            result.ledgers[source.id] = self._report(source, listed, counts)
        result.room = max(0, room)
        getattr(log, self.tick_lines)("tick_finished", recorded=result.recorded, enqueued=result.enqueued,
                 final_passes=result.final_passes, rescued=result.rescued)
        return result

    @staticmethod
    def _listing_bound(source: SourceSettings, meta: SourceMeta | None, room: int) -> datetime | None:
        """Past the enqueue mark only the windows this tick may enqueue matter: later
        ones are recorded, never sent, so nothing about them can change. (The backfill
        queue's room, plus the few live windows that go regardless of it.)"""
        if meta is None:
            return None
        return max(meta.enqueued_until, source.start) + (max(0, room) + 2 + LIVE_WINDOWS) * source.window

    def _report(self, source: SourceSettings, listed: Listed, counts: QueueCounts) -> Ledger:
        current = log_ledger(source, listed.windows, self.clock(), listed.settled, self.tick_lines)
        if self.emit_metrics:
            lag, final_lag = current.lag(self.clock())
            metrics.emit({"LagSeconds": lag, "FinalLagSeconds": final_lag, "LateEvents": current.late_events,
                          "QueueBacklog": counts.visible + counts.delayed, "QueueInFlight": counts.in_flight,
                          "DLQDepth": counts.dlq}, {"Source": source.id})
        return current

    def _enqueue(self, source: SourceSettings, meta: SourceMeta | None, windows: list[WindowRecord],
                 room: int, origin: datetime) -> tuple[dict[Lane, int], int]:
        """Send tasks for recorded windows from ``enqueued_until`` on, each to its lane's
        queue (backfill ones at most ``room``), then move the mark past them; how many
        per lane, and how many recorded windows are left past the mark. The mark moves
        only after the send, so a crash in between re-sends (a duplicate task, which
        workers drop) rather than loses. Windows before the range's ``origin`` (``start``
        moved later) are outside it: the mark jumps over them."""
        if meta is None or meta.enqueued_until >= meta.watermark:
            return {}, 0
        mark = max(meta.enqueued_until, origin)
        todo = sorted((w for w in windows if w.key.pass_no == FIRST_PASS
                       and mark <= w.key.start < meta.watermark), key=lambda w: w.key.start)
        send: list[tuple[Lane, TaskMessage]] = []
        backfill = 0
        for window in todo:
            if window.key.start != mark:
                break  # not listed yet (recorded after the listing): next tick
            if window.state == "pending" and window.pages == 0:  # fresh
                lane = lane_of(window.key, window.created_at, source.settle)
                if lane == BACKFILL and backfill >= room:
                    break
                backfill += lane == BACKFILL
                send.append((lane, TaskMessage.for_window(window.key)))
            mark = window.key.end
        sent = self.queue.send_lanes(send)
        if mark != meta.enqueued_until:
            self.store.advance_enqueued(meta.source, format_instant(meta.enqueued_until), format_instant(mark))
        return sent, max(0, int((meta.watermark - mark) / source.window))

    def _schedule_final_passes(self, source: SourceSettings, windows: list[WindowRecord]) -> int:
        now = self.clock() if self.final_due_by is None else min(self.clock(), self.final_due_by)
        created = []
        for first in due_final_passes(windows, source.effective_late_horizon, now):
            final = WindowRecord(key=replace(first.key, pass_no=FINAL_PASS), created_at=self.clock(),
                                 updated_at=self.clock())
            if self.store.create_window(final):  # False: another orchestrator did it
                created.append(final)
        self.queue.send_many([TaskMessage.for_window(w.key) for w in created], BACKFILL)  # (see shared.lanes)
        return len(created)

    def horizon(self, source: SourceSettings) -> datetime:
        """Schedule nothing past ``now - settle``, the source's ``end`` or the run's cap."""
        limits = [from_epoch(self.clock()) - source.settle]
        limits += [t for t in (source.end, self.until.get(source.id)) if t is not None]
        return min(limits)

    def _schedule(self, source: SourceSettings, meta: SourceMeta | None) -> tuple[list[WindowRecord], SourceMeta | None]:
        """Record up to ``max_windows_per_tick`` new windows from ``meta`` (as read at the
        tick's start); return them and the meta item as it is after them. First the head
        (``start`` moved earlier than the first recorded window: backwards, so that the
        recorded windows stay one run, the enqueue mark moved back to its first), then on
        from the watermark (or from ``start``, if it moved past it)."""
        budget = self.max_windows_per_tick
        recorded: list[WindowRecord] = []
        conflicts = 0
        while budget > 0:
            if self._deadline is not None and self.clock() >= self._deadline:
                return recorded, meta
            limit = min(budget, WINDOWS_PER_TRANSACTION)
            first = self._first_recorded(source, meta)
            if meta is not None and first is not None and (head := plan_head(source.start, first, source.window, limit)):
                planned, watermark, enqueued = head, meta.watermark, min(head[0][0], meta.enqueued_until)
            else:
                planned = plan_windows(max(meta.watermark, source.start) if meta else source.start,
                                       self.horizon(source), source.window, limit, source.end)
                if not planned:
                    return recorded, meta
                watermark = planned[-1][1]
                enqueued = meta.enqueued_until if meta else source.start
            windows = [self._new_window(source.id, start, end) for start, end in planned]
            new_meta = SourceMeta(source=source.id, watermark=watermark, enqueued_until=enqueued,
                                  version=(meta.version + 1) if meta else 1, recorded_at=self.clock())
            try:
                self.store.record_windows(meta, new_meta, windows)
            except ConflictError:
                conflicts += 1
                if conflicts > MAX_CONFLICT_RETRIES:
                    raise
                meta = self.store.get_meta(source.id)
                self._first.pop(source.id, None)
                continue  # another orchestrator advanced the watermark: re-read and go on
            if windows[0].key.start < (first or windows[0].key.start):
                self._first[source.id] = windows[0].key.start
            # the write moved only the watermark: the rest of the item is as read
            meta = replace(new_meta, failed=meta.failed, settled=meta.settled,
                           sightings=meta.sightings) if meta else new_meta
            recorded.extend(windows)
            budget -= len(windows)
        return recorded, meta

    def _first_recorded(self, source: SourceSettings, meta: SourceMeta | None) -> datetime | None:
        """Where the recorded windows begin, asked of the store only while nothing of the
        range is settled (once the mark is past ``start``, the head before it is recorded)."""
        if meta is None or self.listing.mark(source, meta).until > source.start:
            return None
        if source.id not in self._first:
            found = self.store.first_window(source.id)
            self._first[source.id] = found.key.start if found else meta.watermark
        return self._first[source.id]

    def _new_window(self, source_id: str, start: datetime, end: datetime) -> WindowRecord:
        now = self.clock()
        return WindowRecord(key=WindowKey(source_id, start, end), created_at=now, updated_at=now)
