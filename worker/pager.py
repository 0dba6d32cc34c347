"""The page loop of one task run: fetch → filter → stage → checkpoint → publish.

Each step is separated by a named fault point (``ctx.fault``) so tests can "crash" the
worker exactly there and prove the next run neither loses nor duplicates an event.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from shared.errors import LeaseLost, PermanentError, RateLimited, RetryableError, TokenRejected
from shared.log import get_logger
from shared.models import Boundary, WindowKey, WindowRecord
from shared.timeutil import format_instant, parse_instant
from worker.budget import BudgetWait
from worker.context import WorkerContext
from worker.dedup import Filtered, filter_page
from worker.retry import call_with_retries
from worker.sinks.base import encode_lines
from worker.ocsf import mapping_of
from worker.sinks.ocsf_tee import OcsfTeeSink
from worker.sources.base import Event, Page, Query, Source

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
    api_wait_s: float = 0.0  # the main thread waiting for a page (the API, retries included)
    commit_wait_s: float = 0.0  # … waiting for a checkpoint (DynamoDB) and its publish
    checkpoints: int = 0  # state-store writes that accepted pages (≤ pages: see Pager)


def frozen_query(record: WindowRecord, ordering: str) -> Query:
    """The window's query; after a rejected token, narrowed to what is still unread."""
    key = record.key
    if record.resume_from is None or ordering == "none":  # (unordered: nothing to narrow to)
        return Query(key.start, key.end)
    if ordering == "newest_first":
        return Query(key.start, min(key.end, record.resume_from + RESUME_SLACK))
    return Query(max(key.start, record.resume_from - RESUME_SLACK), key.end)


def _numbered(boundary: Boundary, before: WindowRecord) -> Boundary:
    """``boundary`` (after a page) with the seq of the page that first reached its instant."""
    since = before.boundary.since if boundary.time == before.boundary.time else before.pages
    return boundary if boundary.since == since else replace(boundary, since=since)


def _average(last: float, new: float) -> float:
    """A moving average of durations (0: none yet), weighing the last few the most."""
    return new if last == 0 else 0.8 * last + 0.2 * new


@dataclass(frozen=True)
class _Prepared:
    """A page filtered and encoded, its part being staged, waiting for its checkpoint."""

    before: WindowRecord
    after: WindowRecord
    part: Future[tuple[int, str]] | None  # → (seq, staged name); None when nothing was new
    filtered: Filtered


class _Writers:
    """A stager thread, which writes each page's part as soon as it is prepared, and a
    committer thread, which checkpoints groups of staged pages one at a time in page
    order (each waits for its pages' parts), then publishes them."""

    def __init__(self) -> None:
        self.stager = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage")
        self.committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commit")

    def shutdown(self) -> None:
        self.committer.shutdown(wait=True)
        self.stager.shutdown(wait=True)


class Pager:
    """Pages one leased window; ``record`` is always the latest checkpointed state.

    Four stages overlap: a prefetch thread reads page N+1 while the main thread filters
    and encodes page N, a stager thread writes the part of the page before, and a
    committer thread checkpoints (then publishes) the pages staged before. Each page
    still goes stage → checkpoint → publish in that order and checkpoints go one at a
    time in page order. While a checkpoint is in flight the pages prepared meanwhile
    wait, and the next checkpoint accepts them all at once (up to
    ``worker.max_pages_per_checkpoint``); pages also wait while the next page is already
    read or due about as soon as a checkpoint settles. When the API is faster than the
    state store, writes are grouped instead of queued; when it is slower, every page
    gets its checkpoint while the next is read. A failed checkpoint leaves its pages'
    staged parts unreferenced (removed with the window's staging area)."""

    def __init__(self, ctx: WorkerContext, source: Source, owner: str, deadline: float,
                 record: WindowRecord, lease_lost: threading.Event | None = None) -> None:
        self.ctx, self.source, self.owner, self.deadline = ctx, source, owner, deadline
        self.record = record
        self.exclude: frozenset[str] = frozenset()  # hashes committed by earlier passes
        self.lease_lost = lease_lost or threading.Event()
        self.lease_check: Callable[[], None] = self._lease_flag  # before each token and request
        self.stats = RunStats()
        self._margin = ctx.settings.worker.safety_margin.total_seconds()
        self._next = record  # the state after the last page prepared
        self._pending: list[_Prepared] = []  # prepared, not yet handed to the committer
        self._group = max(1, ctx.settings.worker.max_pages_per_checkpoint)
        self._committing: list[Future[None]] = []  # checkpoints handed over, in page order
        self._broken: BaseException | None = None  # a checkpoint failed: none may follow it
        self._pool: ThreadPoolExecutor | None = None  # the prefetch thread
        self._ahead: Future[Page] | None = None  # the first page, read before the lease
        self._dropping = threading.Event()
        self._events_at_start = record.events  # progress of this run: events committed beyond these
        self._claim: Callable[[], float] | None = None  # the lease expiry the first checkpoint takes
        self.on_claimed: Callable[[], None] | None = None  # called once it did
        self.gate = ctx.gate(record.key.source)  # the request budget, if the source has one
        self.out_of_budget = False  # the budget has no token before the deadline: yield
        self.budget_wait = 0.0  # … and how long until its next token is due (a continuation's delay)

    def claim(self, lease_until: Callable[[], float]) -> None:
        """Page without a lease yet: ``record`` is the window as the orchestrator made it
        (version 0, pending) with our lease fields, the first page is read at once, and
        the first checkpoint takes the lease in the same write, on condition the window
        is untouched and unleased (else ClaimRefused, and nothing was published)."""
        self._claim = lease_until
        if self._ahead is None:
            self.read_ahead()

    def read_ahead(self) -> None:
        """Start reading the window's first page before the lease is even taken (for a
        first delivery of a new task, whose window is almost surely untouched)."""
        self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        self._ahead = self._pool.submit(self._fetch, self.record, None)

    def adopt(self, record: WindowRecord) -> None:
        """The lease is ours: page from ``record``; the page read ahead is kept only if
        the window was untouched (else it is dropped: one page read in vain)."""
        self.record = self._next = record
        self._events_at_start = record.events
        untouched = record.pages == 0 and record.next_token is None and record.resume_from is None
        if self._ahead is not None and not untouched:
            log.debug("read_ahead_dropped", pages=record.pages)
            self.close()

    def adopt_boundary(self, boundary: Boundary) -> None:
        """The boundary's ids, read back from the sink (the window's item holds only where
        they are when they are too many), before the first page of the run."""
        self.record = self.record.evolve(boundary=boundary)
        self._next = self._next.evolve(boundary=boundary)

    def close(self) -> None:
        """Wait for any read in flight (this source's HTTP client is not thread-safe and
        the next task reuses it) and drop it."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self._dropping.set()  # no more retries for a page nobody will use
            wait([ahead])
            self._dropping.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _lease_flag(self) -> None:
        if self.lease_lost.is_set():
            raise LeaseLost("the heartbeat found the lease taken over")

    def must_yield(self) -> bool:
        """True when another page would not fit before the deadline (or we must stop)."""
        if self.lease_lost.is_set():
            raise LeaseLost("the heartbeat found the lease taken over")
        if self.ctx.stop_requested.is_set() or self.out_of_budget:
            return True
        estimate = max(self.stats.durations, default=0.0)
        return self.ctx.clock() + estimate + self._margin > self._limit()

    def _limit(self) -> float:
        """The deadline; for a run that has not committed a new event yet, the hard one
        (``ctx.overrun_s`` later): a run resumed from a rejected token (or after a crash)
        re-reads what the window committed before, and stopping inside that overlap
        would leave the next run no further on (its token may expire again). That is for
        reading the API only: a wait for the request budget never goes past the deadline
        itself (see ``_fetch``)."""
        if self._next.events > self._events_at_start or self._next.state == "done":
            return self.deadline
        return self.deadline + self.ctx.overrun_s

    def run(self) -> WindowRecord:
        """Page while another page fits before the deadline (a run that has committed no
        new event yet reads on: see ``_limit``). Returns (or raises) only once the last
        checkpoint handed out is settled; the API is never used again by this pager."""
        pool = self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        committer = _Writers()
        ahead, self._ahead = self._ahead, None
        try:
            while self._next.state != "done" and not self.must_yield():
                ahead = self.step(ahead, pool, committer)
            self._hand_over(committer, wait=True)
            self._settle()
        except BaseException:
            self._settle_after_error()
            raise
        finally:
            # never leave a fetch running: the next task reuses this source's HTTP client,
            # which is not thread-safe (a prefetch only starts when it fits the deadline)
            self._pool = None
            pool.shutdown(wait=True, cancel_futures=True)
            committer.shutdown()
        return self.record

    @property
    def claimed(self) -> bool:
        """The lease is ours (taken by acquire, or by the first checkpoint)."""
        return self._claim is None

    def step(self, ahead: Future[Page] | None, pool: ThreadPoolExecutor,
             committer: _Writers) -> Future[Page] | None:
        """Read (or collect the prefetched page), filter and encode one page and hand it
        to the committer; return the prefetch of the following page, if one was started."""
        record = self._next
        started = self.ctx.clock()
        try:
            page = ahead.result() if ahead is not None else self._fetch(record, record.next_token)
        except BudgetWait as exc:
            self.stats.api_wait_s += self.ctx.clock() - started
            log.debug("budget_yield", wait_s=round(exc.wait, 3))
            self.out_of_budget, self.budget_wait = True, exc.wait
            return None
        except TokenRejected as exc:
            self.stats.api_wait_s += self.ctx.clock() - started
            self._hand_over(committer, wait=True)
            self._settle()
            self._next = self._reset_token(self.record, exc)
            return None
        self.stats.api_wait_s += self.ctx.clock() - started
        if not record.started_at:
            record = record.evolve(started_at=started)
        following = None
        if page.next_token and self._room_for_another(started):
            following = pool.submit(self._fetch, record, page.next_token)
        prepared = self._prepare(record, page, committer)
        self._pending.append(prepared)
        self._next = prepared.after
        last = prepared.after.state == "done"
        if last or not self._wait_for_next(following):
            self._hand_over(committer, wait=last)
        self.stats.durations.append(self.ctx.clock() - started)
        self.ctx.page_s = _average(self.ctx.page_s, self.stats.durations[-1])
        return following

    def _wait_for_next(self, following: Future[Page] | None) -> bool:
        """The pages prepared now wait for the next one (up to a full group) rather than
        take a checkpoint of their own while the committer happens to be idle: when the
        next page is already read, or pages come about as fast as checkpoints settle (the
        API is not much slower than the state store: a page takes less than two
        checkpoints, lately). When the API is the slower part, every page gets its
        checkpoint while the next one is read."""
        if following is None or following.cancelled() or len(self._pending) >= self._group:
            return False
        if following.done():
            return following.exception() is None
        return 0 < self.ctx.page_s < 2 * self.ctx.checkpoint_s

    def _hand_over(self, committer: _Writers, wait: bool) -> None:
        """Give the committer the pages prepared so far, as one checkpoint: at once when it
        is idle; otherwise they wait for the checkpoint in flight, unless ``wait`` (the
        window's last page: queued behind it) or the group is full (we wait for it here).
        Queued checkpoints run in page order, and none runs once one has failed."""
        if not self._pending:
            return
        busy = any(not f.done() for f in self._committing)
        if busy and not wait:
            if len(self._pending) < self._group:
                return
            self._settle()
        group, self._pending = self._pending, []
        self._committing.append(committer.committer.submit(self._checkpoint, group))

    def _settle(self) -> None:
        """Wait for the checkpoints in flight; their error (a lost lease, …) is ours."""
        committing, self._committing = self._committing, []
        began = self.ctx.clock()
        try:
            for future in committing:
                future.result()  # the first failure stops the chain: later ones raise it too
        finally:
            self.stats.commit_wait_s += self.ctx.clock() - began

    def _settle_after_error(self) -> None:
        """After an error here, still let the checkpoints in flight finish (so ``record``
        is the truth); a lost lease found there is the error that matters. Pages prepared
        but not handed over are dropped: the next run reads them again."""
        self._pending = []
        committing, self._committing = self._committing, []
        for future in committing:
            try:
                future.result()
            except LeaseLost:
                raise
            except BaseException:  # noqa: BLE001 - the error already on its way wins
                log.warning("checkpoint_failed_after_error", exc_info=True)
                return

    def _room_for_another(self, started: float) -> bool:
        """Prefetch only when the page after this one will surely be committed in this
        run: a prefetched page that a continuation throws away is an API call wasted."""
        estimate = max(self.stats.durations, default=self.ctx.clock() - started)
        return self.ctx.clock() + 2 * estimate + self._margin <= self.deadline

    def _fetch(self, record: WindowRecord, token: str | None) -> Page:
        query = frozen_query(record, self.source.ordering)

        def time_left() -> float:
            if self._dropping.is_set():
                return -1.0
            estimate = max(self.stats.durations, default=0.0)
            return self._limit() - self.ctx.clock() - self._margin - estimate

        def budget_left() -> float:
            """How long a token may be waited for: until the task's own deadline, never
            its overrun (a run that cannot get one by then continues, delayed until the
            token is due: see ``runner._continue``)."""
            estimate = max(self.stats.durations, default=0.0)
            return self.deadline - self.ctx.clock() - self._margin - estimate

        def on_retry(exc: RetryableError, delay: float) -> None:
            self.stats.retries += 1
            if gate is not None and isinstance(exc, RateLimited):
                gate.refused(exc.delay)  # every worker of the budget slows down
            log.debug("page_retry", error=str(exc), delay_s=round(delay, 3))

        def attempt() -> Page:
            if gate is not None:
                if self._dropping.is_set():  # a page nobody will use: no token for it
                    raise BudgetWait(0.0)
                self.lease_check()  # a worker paused past its lease spends nothing for the window
                gate.take(budget_left)  # one token per request, retries too
            self.lease_check()
            page = self.source.fetch(query, token, timeout=max(1.0, time_left()))
            if gate is not None and page.rate is not None:
                gate.observe(page.rate)
            return page

        gate = self.gate
        return call_with_retries(
            attempt,
            time_left,
            self.ctx.sleep,
            on_retry,
        )

    def _prepare(self, record: WindowRecord, page: Page, writers: _Writers) -> _Prepared:
        """Filter the page against what the window committed, encode what is new and
        have the stager write it."""
        ctx, key = self.ctx, record.key
        filtered = filter_page(page.items, record.boundary, (key.start, key.end), self.source.ordering, self.exclude)
        ctx.fault("after_fetch")
        part = None
        if filtered.items:
            meta = {"source": key.source, "pass": key.pass_no, "window_start": format_instant(key.start)}
            part = writers.stager.submit(self._stage, key, record.pages, encode_lines(filtered.items, meta),
                                         filtered.items)
        last = page.next_token is None
        after = record.evolve(
            version=record.version + 1,
            next_token=page.next_token,
            pages=record.pages + 1,
            events=record.events + len(filtered.items),
            boundary=_numbered(filtered.boundary, record),
            staged=(),
            ocsf_root=None,
            # progress is the boundary moving: a page that kept nothing is no reason to
            # believe the next rejected token would be the last
            token_resets=0 if filtered.items else record.token_resets,
            state="done" if last else "running",
            lease_expiry=0.0,
            updated_at=ctx.clock(),
        )
        return _Prepared(record, after, part, filtered)

    def _checkpoint(self, group: list[_Prepared]) -> None:
        """Wait for the parts of ``group``'s pages (consecutive, in page order) to be
        staged, one checkpoint for them all (the state after the last page, naming every
        part), then publish."""
        if self._broken is not None:  # the checkpoint before this one failed: its pages are not ours
            raise self._broken
        began = self.ctx.clock()
        try:
            self._accept(group)
        except BaseException as exc:
            self._broken = exc
            raise
        self.ctx.checkpoint_s = _average(self.ctx.checkpoint_s, self.ctx.clock() - began)

    def _accept(self, group: list[_Prepared]) -> None:
        ctx, before = self.ctx, group[0].before
        parts = tuple(p.part.result() for p in group if p.part is not None)  # (a failed stage raises here)
        sink = ctx.sink
        ocsf_root = sink.ocsf_url if isinstance(sink, OcsfTeeSink) and parts else None
        after = group[-1].after.evolve(staged=parts, ocsf_root=ocsf_root)
        if self._claim is not None:
            after = after.evolve(lease_expiry=self._claim() if after.state != "done" else 0.0)
            ctx.store.write(after, before.version, self.owner, claim=True)
            self._claim = None
            if self.on_claimed is not None:
                self.on_claimed()
        else:
            # the heartbeat alone moves the lease, so it never outlives the message's visibility
            ctx.store.write(after, before.version, self.owner, keep_lease=after.state != "done")
        self.record = after  # from here on, the checkpoint is the truth (even if we fail)
        ctx.fault("after_checkpoint")
        for seq, staged in after.staged:
            ctx.sink.publish(after.key, seq, staged)
        ctx.fault("after_publish")
        for prepared in group:
            self.stats.pages += 1
            self.stats.events += len(prepared.filtered.items)
            self.stats.dropped_edge += prepared.filtered.dropped_edge
            self.stats.dropped_seen += prepared.filtered.dropped_seen
        self.stats.checkpoints += 1

    def _stage(self, key: WindowKey, seq: int, lines: bytes, events: list[Event]) -> tuple[int, str]:
        sink = self.ctx.sink
        if isinstance(sink, OcsfTeeSink):  # its OCSF part first: the checkpoint waits for both
            source = next((s for s in self.ctx.settings.sources if s.id == key.source), None)
            sink.stage_normalised(key, seq, self.owner, events, mapping_of(source))
        staged = sink.stage(key, seq, self.owner, lines)
        self.ctx.fault("after_stage")
        return seq, staged

    def _reset_token(self, record: WindowRecord, exc: TokenRejected) -> WindowRecord:
        """A stored token was refused: resume from the boundary instead of the start."""
        if record.token_resets >= MAX_TOKEN_RESETS:
            raise PermanentError(f"page token rejected {record.token_resets + 1} times without progress: {exc}",
                                 reason="token_rejected") from exc
        resume = record.boundary.time
        log.warning("page_token_rejected", resume_from=resume, error=str(exc))
        new = record.evolve(
            version=record.version + 1,
            next_token=None,
            resume_from=None if not resume else parse_instant(resume),  # "": an unordered pass
            token_resets=record.token_resets + 1,
            updated_at=self.ctx.clock(),
        )
        self.ctx.store.write(new, record.version, self.owner, keep_lease=True)
        self.record = new
        return new

