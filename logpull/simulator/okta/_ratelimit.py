"""Okta's rate-limit headers: a request budget per minute of the simulator clock."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

WINDOW = 60.0


@dataclass(frozen=True, slots=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # epoch seconds (simulator clock) when the budget refills
    exceeded: bool  # this request is over the budget

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (
            ("X-Rate-Limit-Limit", str(self.limit)),
            ("X-Rate-Limit-Remaining", str(self.remaining)),
            ("X-Rate-Limit-Reset", str(self.reset)),
        )


class RateWindow:
    """Counts requests per clock minute (windows start on whole minutes)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._window = -1
        self._used = 0

    def take(self, now: float) -> RateState:
        """Count one request at ``now``."""
        window = math.floor(now / WINDOW)
        with self._lock:
            if window != self._window:
                self._window, self._used = window, 0
            self._used += 1
            used = self._used
        reset = int((window + 1) * WINDOW)
        return RateState(self._limit, max(0, self._limit - used), reset, used > self._limit)

    def exhausted(self, now: float) -> RateState:
        """The headers of a 429 fault: nothing left until the next whole second + 1."""
        return RateState(self._limit, 0, math.ceil(now) + 1, exceeded=True)
