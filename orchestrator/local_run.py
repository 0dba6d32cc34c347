"""``logpull run``: the orchestrator and N worker processes on this machine.

With ``until_caught_up`` it returns once every window up to ``now - settle`` (at the
moment of the call) is done, or when the remaining ones can no longer progress because
they failed (their tasks are in the DLQ).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.log import get_logger
from shared.models import FINAL_PASS, FIRST_PASS, SourceFailure, WindowKey, WindowRecord
from shared.timeutil import format_instant, from_epoch
from orchestrator.late import final_pass_due
from orchestrator.planning import layout
from orchestrator.run_prefix import SettledPrefix
from orchestrator.tick import WINDOWS_PER_TRANSACTION, Orchestrator, TickResult

log = get_logger("logpull.run")
TICK_SECONDS = 1.0
TAIL_TICK_SECONDS = 0.2
IN_HAND_PER_WORKER = 1  # a worker runs one task at a time
BACKLOG_PER_WORKER = 4  # a short queue: fresh scheduling, cheap receives (also on emulators)
MIN_BACKLOG = 16
OPEN_SHOWN = 5  # open windows named when a run gives up
MIN_STALL_SECONDS = 300.0  # a run with nothing moving for max(this, 5 task runs and leases) gives up


def stall_after(settings: Settings) -> float:
    """How long nothing may move (no window ended, no page read) before a run gives up."""
    return max(MIN_STALL_SECONDS, 5 * (settings.worker.task_deadline + settings.worker.lease).total_seconds())


@dataclass
class Progress:
    windows_total: int = 0
    windows_done: int = 0
    windows_failed: int = 0
    events: int = 0
    pages: int = 0
    continuations: int = 0
    failed: list[str] = field(default_factory=list)
    # sources marked failed (credentials): their windows cannot progress until a reset
    failed_sources: dict[str, SourceFailure] = field(default_factory=dict)
    windows_blocked: int = 0  # their windows neither done nor failed
    open: list[str] = field(default_factory=list)  # the first windows of the range not yet done
    stuck: float | None = None  # set when nothing moved for this many seconds: the run gave up

    @property
    def finished(self) -> bool:
        return self.windows_done + self.windows_failed + self.windows_blocked >= self.windows_total


class WorkerProcess(Protocol):
    """What the pool needs of a worker process (``subprocess.Popen`` has it)."""

    pid: int

    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


@dataclass
class WorkerPool:
    """Worker processes, restarted if one exits unexpectedly."""

    spawn: Callable[[], WorkerProcess]
    size: int
    procs: list[WorkerProcess] = field(default_factory=list)
    restarts: int = 0
    stopping: bool = False  # stop() has begun (a signal then must not interrupt it)

    def start(self) -> None:
        self.procs = []
        for _ in range(self.size):  # one by one: stop() reaches those started before an interruption
            self.procs.append(self.spawn())

    def keep_alive(self) -> None:
        for index, proc in enumerate(self.procs):
            if (code := proc.poll()) is not None:
                log.warning("worker_exited", pid=proc.pid, code=code)
                self.procs[index] = self.spawn()
                self.restarts += 1

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM each worker (it hands its task back and exits), wait, kill the late."""
        self.stopping = True
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class LocalRun:
    def __init__(self, settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
                 clock: Callable[[], float] = time.time, workers: int = 1,
                 published: Callable[[WindowRecord], bool] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """``published``: whether a done window's last accepted part is in the sink (a
        worker that died between its last checkpoint and the publish leaves it staged
        until the task's message comes back); without it, done is done. ``sleep``
        waits between ticks when no ``wait`` is given."""
        self.settings, self.store, self.queue, self.clock = settings, store, queue, clock
        self.sleep = sleep
        self.called_at = clock()
        self._published = published
        self._seen_published: set[WindowKey] = set()
        self.prefix = SettledPrefix(store)  # the windows before the settled marks, read once
        backlog = self.backlog = min(settings.orchestrator.max_backlog,
                                     max(MIN_BACKLOG, BACKLOG_PER_WORKER * workers))
        # one transaction of windows per tick: the first tasks go out at once, and the
        # rest of a long backfill is recorded while the workers already read
        self.orchestrator = Orchestrator(settings, store, queue, clock, until=self.targets(),
                                         final_due_by=self.called_at, max_backlog=backlog,
                                         max_windows_per_tick=min(WINDOWS_PER_TRANSACTION,
                                                                  settings.orchestrator.max_windows_per_tick),
                                         tick_lines="debug")  # its progress line says more, less often

    def targets(self) -> dict[str, datetime]:
        """Per source, how far windows are due now (``now - settle`` or ``end``; fixed for
        this run): the planner schedules every window that ends by then, from the recorded
        ones on (whatever their length), so the run waits for exactly those."""
        now = from_epoch(self.clock())
        return {s.id: max(s.start, min(now - s.settle, s.end) if s.end else now - s.settle)
                for s in self.settings.sources}

    def progress(self, targets: dict[str, datetime], listed: dict[str, list[WindowRecord]],
                 failed_sources: dict[str, SourceFailure] | None = None) -> Progress:
        """First passes up to the target, and final passes due when the run began; the
        windows of a source marked failed that are still open count as blocked."""
        progress = Progress(failed_sources=dict(failed_sources or {}))
        for source in self.settings.sources:
            before = progress.windows_total - progress.windows_done - progress.windows_failed
            self._source_progress(progress, source, targets, listed[source.id])
            if source.id in progress.failed_sources:
                progress.windows_blocked += progress.windows_total - progress.windows_done \
                    - progress.windows_failed - before
        return progress

    def _source_progress(self, progress: Progress, source: SourceSettings, targets: dict[str, datetime],
                         windows: list[WindowRecord]) -> None:
        recorded = {(w.key.start, w.key.end): w for w in windows if w.key.pass_no == FIRST_PASS}
        spans = layout(source.start, source.window, targets[source.id], recorded, source.end)
        firsts = [recorded[span] for span in spans if span in recorded]
        finals = {w.key.start: w for w in windows if w.key.pass_no == FINAL_PASS}
        progress.windows_total += len(spans)  # of the configured range, recorded or still to record
        for span in spans:
            window = recorded.get(span)
            if len(progress.open) < OPEN_SHOWN and (window is None or window.state != "done"):
                progress.open.append(f"{source.id} [{format_instant(span[0])}, {format_instant(span[1])}) "
                                     f"{window.state if window else 'not recorded yet'}")
        due = [w for w in firsts if final_pass_due(w, source.effective_late_horizon, self.called_at)]
        progress.windows_total += len(due)
        self._count(progress, firsts + [finals[w.key.start] for w in due if w.key.start in finals])
        progress.events += sum(w.events for w in windows)
        progress.pages += sum(w.pages for w in windows)
        progress.continuations += sum(w.continuations for w in windows)

    def _count(self, progress: Progress, windows: list[WindowRecord]) -> None:
        for window in windows:
            if window.state == "done" and self._is_published(window):
                progress.windows_done += 1
            elif window.state == "failed":
                progress.windows_failed += 1
                progress.failed.append(
                    f"{window.key.source} [{format_instant(window.key.start)}, "
                    f"{format_instant(window.key.end)}) pass {window.key.pass_no}: {window.error}"
                )

    def _is_published(self, window: WindowRecord) -> bool:
        """Asked once per window and run (parts are published in order: the last one
        tells); a window not yet published counts as not done."""
        if self._published is None or window.key in self._seen_published:
            return True
        if self._published(window):
            self._seen_published.add(window.key)
            return True
        return False

    def _stalled(self, progress: Progress,
                 moved: tuple[tuple[int, ...], float] | None) -> tuple[tuple[int, ...], float]:
        """Sets ``progress.stuck`` once nothing moved for ``stall_after``; the new ``moved``."""
        now = self.clock()
        sign = (progress.windows_total, progress.windows_done, progress.windows_failed, progress.events,
                progress.pages, progress.continuations)
        if moved is None or moved[0] != sign:
            return sign, now
        if now - moved[1] >= stall_after(self.settings):
            progress.stuck = now - moved[1]
        return moved

    @staticmethod
    def _tick_every(progress: Progress, pool: WorkerPool | None) -> float:
        """Once every window left can be in the workers' hands, look more often: the run
        ends when the last one is done, not up to a tick later."""
        left = progress.windows_total - progress.windows_done - progress.windows_failed
        return TAIL_TICK_SECONDS if pool and left <= pool.size * IN_HAND_PER_WORKER else TICK_SECONDS

    def next_tick(self, ticked: TickResult, every: float, took: float) -> tuple[float, int]:
        """``(seconds, windows)``: wait up to ``seconds`` before the next tick, or until
        ``windows`` windows have ended. While a tick moves windows and leaves more due
        (a backfill recorded ``max_windows_per_tick`` at a time, or recorded windows not
        yet sent), the next one runs at once if the queue has room, else as soon as half
        its backlog is worked off; not a whole interval later."""
        if ticked.behind and ticked.moved:
            if ticked.room > 0:
                return 0.0, 0
            return max(0.0, every - took), max(1, self.backlog // 2)
        return max(0.0, every - took), 0

    def _wait(self, wait: Callable[[float, int], None] | None, seconds: float, windows: int) -> None:
        """Sleep ``seconds``, or with ``wait`` (and ``windows``) until that many ended."""
        if seconds <= 0:
            return
        if wait is None or windows <= 0:
            self.sleep(seconds)
        else:
            wait(seconds, windows)

    def forever(self, pool: WorkerPool, interval: float,
                wait: Callable[[float, int], None] | None = None) -> None:
        """``logpull run`` without ``--until-caught-up``: tick every ``interval``, and
        sooner while a backfill is due (``next_tick``)."""
        try:
            pool.start()
            while True:
                began = self.clock()
                ticked = self.orchestrator.tick()
                pool.keep_alive()
                self._wait(wait, *self.next_tick(ticked, interval, self.clock() - began))
        finally:
            pool.stop()

    def until_caught_up(self, pool: WorkerPool | None,
                        report: Callable[[Progress], None] = lambda _p: None,
                        wait: Callable[[float, int], None] | None = None) -> Progress:
        """Tick until caught up. ``wait(seconds, windows)`` sleeps between ticks and may
        return early once that many windows have ended (the workers tell it): once the
        windows left may all be done, or half the queue's backlog was worked off (so a
        fast worker never finds the queue empty before the next tick refills it)."""
        targets = self.orchestrator.until
        moved: tuple[tuple[int, ...], float] | None = None  # what progress looked like, since when
        try:
            if pool:
                pool.start()
            while True:
                began = self.clock()
                ticked = self.orchestrator.tick()  # one listing serves both
                whole = {s.id: self.prefix.whole(s, ticked.settled.get(s.id), ticked.windows.get(s.id, []))
                         for s in self.settings.sources}
                progress = self.progress(targets, whole, ticked.failed_sources)
                report(progress)
                if progress.finished or (not self.settings.sources):
                    return progress
                moved = self._stalled(progress, moved)
                if progress.stuck is not None:
                    return progress
                if pool:
                    pool.keep_alive()
                seconds, windows = self.next_tick(ticked, self._tick_every(progress, pool), self.clock() - began)
                left = progress.windows_total - progress.windows_done - progress.windows_failed
                self._wait(wait, seconds, windows or min(left, self.backlog // 2))
        finally:
            if pool:
                pool.stop()
