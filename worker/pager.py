"""The page loop of one task run: fetch → filter → stage → checkpoint → publish.

Each step is separated by a named fault point (``ctx.fault``) so tests can "crash" the
worker exactly there and prove the next run neither loses nor duplicates an event.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from shared.errors import LeaseLost, PermanentError, RetryableError, TokenRejected
from shared.log import get_logger
from shared.models import WindowRecord
from shared.timeutil import format_instant, parse_instant
from worker.context import WorkerContext
from worker.dedup import filter_page
from worker.retry import call_with_retries
from worker.sinks.base import encode_lines
from worker.sources.base import Page, Query, Source

log = get_logger(__name__)
MAX_TOKEN_RESETS = 20
RESUME_SLACK = timedelta(seconds=1)


@dataclass
class RunStats:
    pages: int = 0
    events: int = 0
    retries: int = 0
    dropped_edge: int = 0
    dropped_seen: int = 0
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=5))


def frozen_query(record: WindowRecord, ordering: str) -> Query:
    """The window's query; after a rejected token, narrowed to what is still unread."""
    key = record.key
    if record.resume_from is None:
        return Query(key.start, key.end)
    if ordering == "newest_first":
        return Query(key.start, min(key.end, record.resume_from + RESUME_SLACK))
    return Query(max(key.start, record.resume_from - RESUME_SLACK), key.end)


class Pager:
    """Pages one leased window; ``record`` is always the latest checkpointed state."""

    def __init__(self, ctx: WorkerContext, source: Source, owner: str, deadline: float,
                 record: WindowRecord, lease_lost: threading.Event | None = None) -> None:
        self.ctx, self.source, self.owner, self.deadline = ctx, source, owner, deadline
        self.record = record
        self.exclude: frozenset[str] = frozenset()  # hashes committed by earlier passes
        self.lease_lost = lease_lost or threading.Event()
        self.stats = RunStats()
        self._margin = ctx.settings.worker.safety_margin.total_seconds()

    def must_yield(self) -> bool:
        """True when another page would not fit before the deadline (or we must stop)."""
        if self.lease_lost.is_set():
            raise LeaseLost("the heartbeat found the lease taken over")
        if self.ctx.stop_requested.is_set():
            return True
        estimate = max(self.stats.durations, default=0.0)
        return self.ctx.clock() + estimate + self._margin > self.deadline

    def run(self) -> WindowRecord:
        """Page while another page fits before the deadline (the first page of a run is
        tried whenever the safety margin is left, so a slow API still makes progress).
        The next page is fetched in the background while the current one is committed."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        ahead: Future[Page] | None = None
        try:
            while self.record.state != "done" and not self.must_yield():
                ahead = self.step(ahead, pool)
        finally:
            # never leave a fetch running: the next task reuses this source's HTTP client,
            # which is not thread-safe (a prefetch only starts when it fits the deadline)
            pool.shutdown(wait=True, cancel_futures=True)
        return self.record

    def step(self, ahead: Future[Page] | None = None, pool: ThreadPoolExecutor | None = None) -> Future[Page] | None:
        """Read (or collect the prefetched page), commit and checkpoint one page;
        return the prefetch of the following page, if one was started."""
        record = self.record
        started = self.ctx.clock()
        try:
            page = ahead.result() if ahead is not None else self._fetch(record, record.next_token)
        except TokenRejected as exc:
            self._reset_token(record, str(exc))
            return None
        if not record.started_at:
            record = record.evolve(started_at=started)
        following = None
        if pool is not None and page.next_token and self._room_for_another(started):
            following = pool.submit(self._fetch, record, page.next_token)
        self._commit(record, page)
        self.stats.durations.append(self.ctx.clock() - started)
        return following

    def _room_for_another(self, started: float) -> bool:
        """Prefetch only when the page after this one will surely be committed in this
        run: a prefetched page that a continuation throws away is an API call wasted."""
        estimate = max(self.stats.durations, default=self.ctx.clock() - started)
        return self.ctx.clock() + 2 * estimate + self._margin <= self.deadline

    def _fetch(self, record: WindowRecord, token: str | None) -> Page:
        query = frozen_query(record, self.source.ordering)

        def time_left() -> float:
            estimate = max(self.stats.durations, default=0.0)
            return self.deadline - self.ctx.clock() - self._margin - estimate

        def on_retry(exc: RetryableError, delay: float) -> None:
            self.stats.retries += 1
            log.info("page_retry", error=str(exc), delay_s=round(delay, 3))

        return call_with_retries(
            lambda: self.source.fetch(query, token, timeout=max(1.0, time_left())),
            time_left,
            self.ctx.sleep,
            on_retry,
        )

    def _commit(self, record: WindowRecord, page: Page) -> WindowRecord:
        ctx, key = self.ctx, record.key
        filtered = filter_page(
            page.items, record.boundary, (key.start, key.end), self.source.ordering,
            self.source.event_time, self.source.identity, self.exclude,
        )
        ctx.fault("after_fetch")
        staged = None
        if filtered.items:
            meta = {"source": key.source, "pass": key.pass_no, "window_start": format_instant(key.start)}
            lines = encode_lines(filtered.items, meta)
            staged = ctx.sink.stage(key, record.pages, self.owner, lines)
        ctx.fault("after_stage")
        last = page.next_token is None
        new = record.evolve(
            version=record.version + 1,
            next_token=page.next_token,
            pages=record.pages + 1,
            events=record.events + len(filtered.items),
            boundary=filtered.boundary,
            staged=staged,
            token_resets=0,
            state="done" if last else "running",
            lease_expiry=0.0,
            updated_at=ctx.clock(),
        )
        # the heartbeat alone moves the lease, so it never outlives the message's visibility
        ctx.store.write(new, record.version, self.owner, keep_lease=not last)
        self.record = new  # from here on, the checkpoint is the truth (even if we fail)
        ctx.fault("after_checkpoint")
        if staged:
            ctx.sink.publish(key, record.pages, staged)
        ctx.fault("after_publish")
        self.stats.pages += 1
        self.stats.events += len(filtered.items)
        self.stats.dropped_edge += filtered.dropped_edge
        self.stats.dropped_seen += filtered.dropped_seen
        return new

    def _reset_token(self, record: WindowRecord, why: str) -> WindowRecord:
        """A stored token was refused: resume from the boundary instead of the start."""
        if record.token_resets >= MAX_TOKEN_RESETS:
            raise PermanentError(f"page token rejected {record.token_resets} times: {why}", reason="token_rejected")
        resume = record.boundary.time
        log.warning("page_token_rejected", resume_from=resume, error=why)
        new = record.evolve(
            version=record.version + 1,
            next_token=None,
            resume_from=None if resume is None else parse_instant(resume),
            token_resets=record.token_resets + 1,
            updated_at=self.ctx.clock(),
        )
        self.ctx.store.write(new, record.version, self.owner, keep_lease=True)
        self.record = new
        return new

