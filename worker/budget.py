"""A source's share of a request budget the whole fleet shares (see
``shared.aws.budget_store`` for the DynamoDB side).

Every request to the API takes one token. A ``Gate`` (one per process, budget key and
source) takes a few tokens at a time from the shared budget and spends them locally;
tokens not spent within ``HOLD`` seconds of their slot are dropped (lost, never saved
up). The budget's interval per token is chosen so that what is spent in *any* 60 s is
at most the limit, even with tokens held, a small tolerance and some slack for the
request's way to the API: ``interval = (60 + HOLD + SLACK + TOLERANCE) / limit`` (a
fixed-minute quota and a sliding one both hold).

Fair share: a source that took more than its fair share of the tokens lately (among the
sources that took in the last ``ACTIVE`` seconds) may not reserve ahead; only sources at
or under their share queue for the next tokens, so none starves another, and a source
alone gets the whole budget.

Okta: each response's ``X-Rate-Limit-*`` headers teach the budget the org's limit (its
rate becomes ``rate_limit_share`` of it, and of ``requests_per_minute`` if that is
lower) and, when what remains of the org's minute drops below half the margin the share
leaves (other clients are using it), pause the budget until the reset. A refusal (429)
pauses the budget for every worker: until Okta's reset, or ``REFUSAL_PAUSE`` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from shared.aws.budget_store import BucketState, DynamoBudgetStore
from shared.config import SourceSettings
from shared.log import get_logger
from worker.sources.base import RateHeaders

log = get_logger(__name__)
HOLD = 1.5  # seconds a token may be held after its slot before it is dropped
SLACK = 0.5  # seconds between a token's spending and its request reaching the API (jitter, skew)
TOLERANCE = 1.0  # seconds of burst the budget tolerates (a taker's batch fits in it)
BATCH_S = 1.5  # a taker takes about this many seconds of its own recent spending at once
ACTIVE = 5.0  # a source that took within this many seconds shares the budget
OVER_SHARE = 1.1  # above this multiple of its fair share, a source may not reserve ahead
REFUSAL_PAUSE = 2.0  # seconds every worker waits after an API refusal without a reset time
OKTA_UNKNOWN_LIMIT = 100_000  # until an Okta response (anywhere in the fleet) names the limit: only pauses pace
MAX_WAIT_STEP = 0.5  # sleep at most this long at a time (to see a stop request)


def budget_key(source: SourceSettings) -> str | None:
    """The shared budget a source's requests count against, or None (unpaced):
    ``quota_key``; else the block's own budget when it sets ``requests_per_minute``;
    else, for Okta, its org (Okta's limits are per org, for every client)."""
    if source.quota_key:
        return source.quota_key
    if source.requests_per_minute:
        return f"block:{source.block}"  # every application of the block together
    if source.kind == "okta_system_log":
        return f"okta:{(source.domain or source.api_endpoint or '').rstrip('/')}"
    if source.reads_api_budget:  # an http spec that reads the API's budget headers: per API address
        options = source.kind_options
        address = source.api_endpoint or (options.api_address() if options else None) or ""
        return f"api:{address.rstrip('/')}"
    return None


def interval_for(limit_per_minute: float) -> float:
    """Seconds per token so that at most ``limit_per_minute`` are spent in any 60 s."""
    limit = max(2.0, limit_per_minute)
    interval = (60 + HOLD + SLACK + TOLERANCE) / limit
    if interval > TOLERANCE:  # one token at a time: its own interval is the tolerance
        interval = (60 + HOLD + SLACK) / (limit - 1)
    return interval


class BudgetWait(Exception):  # noqa: N818 - a signal to the pager, not a failure
    """The next token cannot come before the task's deadline (or a stop): yield."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the request budget has no token for {wait:.1f} s")
        self.wait = wait


class Gate:
    """Tokens of one budget for one source in this process (thread-safe)."""

    def __init__(self, store: DynamoBudgetStore, key: str, source: SourceSettings,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 stop: threading.Event | None = None) -> None:
        self.store, self.key, self.source = store, key, source
        self.clock, self.sleep, self.stop = clock, sleep, stop or threading.Event()
        self._lock = threading.Lock()
        self._held = 0
        self._slot = 0.0  # the slot of the tokens held
        self._spent: deque[float] = deque(maxlen=64)
        self._limit: int | None = None  # the API's limit as learned (Okta)
        self._looked = False  # read the budget item for a learned limit (once, before a first take)
        self._state = BucketState()
        self._seen_at: deque[tuple[float, dict[str, float]]] = deque(maxlen=16)
        self._paused_until = 0.0
        self._due_in = 0.0  # after a take refused: seconds until the budget's next token
        self.takes = 0  # writes to the budget (taking tokens), for figures

    @property
    def limit_per_minute(self) -> float:
        configured = self.source.requests_per_minute
        if not self.source.reads_api_budget:
            return float(configured or 0)
        okta = self.source.rate_limit_share * (self._limit or OKTA_UNKNOWN_LIMIT)
        return min(okta, configured) if configured else okta

    def take(self, time_left: Callable[[], float]) -> None:
        """One token for one request, waiting for it while the wait fits ``time_left()``
        (the task's own deadline, never its overrun); else BudgetWait with how long until
        a token is due. Past the deadline only a token that is due now is taken: nothing
        is reserved ahead, so a task run never waits past its deadline for the budget."""
        while True:
            left = time_left()
            poll = self._try_take(max(0.0, left))
            if poll <= 0:
                return
            due = max(poll, self._due_in)
            if self.stop.is_set():
                raise BudgetWait(due)
            if due > left:
                raise BudgetWait(self._place_in_line(due))
            self.sleep(min(poll, MAX_WAIT_STEP))

    def _place_in_line(self, due: float) -> float:
        """Seconds until this yielding run's turn: the budget's next token (``due``) for
        the first run to yield, one interval later for each run that yielded before it
        and is still waiting (see ``DynamoBudgetStore.queue_place``)."""
        now = self.clock()
        place = self.store.queue_place(self.key, interval_for(self.limit_per_minute), now + due)
        return max(due, place - now)

    def _try_take(self, allowed: float) -> float:
        """0 when a token is ours (after waiting for its slot); else how long to wait
        before looking again (``_due_in``: until the next token is due, as far as the
        budget tells)."""
        with self._lock:
            now = self.clock()
            self._due_in = 0.0
            if self._held and now >= self._slot + HOLD:
                self._held = 0  # held too long: dropped, never saved up
            if self._held and now >= self._slot:
                self._held -= 1
                self._spent.append(now)
                return 0.0
            if self._held:
                return self._slot - now
            if self._limit is None and self.source.reads_api_budget and not self._looked:
                self._looked = True  # a new process: the org's limit as another one learned it
                self._learn(now, self.store.read(self.key))
            interval = interval_for(self.limit_per_minute)
            tokens = self._batch(now, interval)
            ahead = 0.0 if self._over_share() else allowed
            taken = self.store.take(self.key, self.source.id, tokens, interval, TOLERANCE, now, ahead)
            self.takes += 1
            self._learn(now, taken.state)
            if not taken.granted:
                self._due_in = taken.slot - now
            if not taken.granted and ahead == 0.0 and allowed > 0.0:  # over our share: look again
                return min(max(taken.slot - now, MAX_WAIT_STEP / 5), 2 * MAX_WAIT_STEP)
            if not taken.granted:  # not before the deadline
                return max(taken.slot - now, MAX_WAIT_STEP / 5)
            self._held, self._slot = tokens, taken.slot
            if taken.slot > now:  # reserved: ours from the slot on
                return taken.slot - now
            self._held -= 1
            self._spent.append(now)
            return 0.0

    def _batch(self, now: float, interval: float) -> int:
        """About ``BATCH_S`` of what this source spent here lately (at least 1), as many
        as fit the tolerance."""
        recent = [t for t in self._spent if t >= now - 3.0]
        rate = len(recent) / max(1.0, now - recent[0]) if len(recent) > 1 else 1.0
        most = max(1, math.floor(TOLERANCE / interval))
        return max(1, min(most, round(rate * BATCH_S)))

    def _learn(self, now: float, state: BucketState) -> None:
        self._state = state
        self._seen_at.append((now, dict(state.used)))
        if state.limit and self.source.reads_api_budget:
            self._limit = state.limit

    def _over_share(self) -> bool:
        """This source took more than its fair share lately: between the budget as this
        gate saw it last and as it saw it about ``ACTIVE`` seconds before, among the
        sources that took in that span (they share the budget equally)."""
        if len(self._seen_at) < 2:
            return False
        last, now_used = self._seen_at[-1]
        earlier = [entry for entry in list(self._seen_at)[:-1] if entry[0] >= last - ACTIVE]
        then, before = earlier[0] if earlier else self._seen_at[-2]
        active = [s for s, at in self._state.seen.items() if at >= min(then, last - ACTIVE)]
        if len(active) < 2:
            return False
        used = {s: now_used.get(s, 0.0) - before.get(s, 0.0) for s in active}
        total = sum(used.values())
        return total > 0 and used.get(self.source.id, 0.0) > OVER_SHARE * total / len(active)

    def observe(self, headers: RateHeaders) -> None:
        """An API response's own account of its budget (Okta)."""
        now = self.clock()
        if headers.limit > 0 and headers.limit != self._limit:
            self._limit = headers.limit
            self.store.learn_limit(self.key, headers.limit)
        share = self.source.rate_limit_share
        margin = max(1.0, (1 - share) * headers.limit / 2)
        if headers.remaining < margin and now + headers.reset_in > self._paused_until:
            log.debug("budget_paused", budget=self.key, remaining=headers.remaining, reset_in_s=headers.reset_in)
            self._pause(now + headers.reset_in + 1.0)

    def refused(self, delay: float | None) -> None:
        """The API refused a request (429 or a quota error): every worker waits."""
        now = self.clock()
        until = now + max(delay or 0.0, REFUSAL_PAUSE)
        if until > self._paused_until:
            log.debug("budget_paused", budget=self.key, refused=True, pause_s=round(until - now, 3))
            self._pause(until)

    def _pause(self, until: float) -> None:
        self._paused_until = until
        with self._lock:
            self._held = 0
        self.store.pause(self.key, until + TOLERANCE)
