"""A request budget per fixed window of the simulator clock (windows start on whole
multiples of their length, as Okta's and GitHub's do)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateState:
    limit: int
    used: int
    reset: int  # epoch seconds (simulator clock) when the window refills
    exceeded: bool  # this request is over the budget

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


class WindowQuota:
    """Counts every request (refused ones too) in its window; ``limit`` None: unlimited,
    but the headers still count down from ``shown_limit``."""

    def __init__(self, limit: int | None, window: float, shown_limit: int) -> None:
        self._limit = limit
        self._window = window
        self._shown = limit if limit is not None else shown_limit
        self._lock = threading.Lock()
        self._current = -1
        self._used = 0

    def take(self, now: float) -> RateState:
        current = math.floor(now / self._window)
        with self._lock:
            if current != self._current:
                self._current, self._used = current, 0
            self._used += 1
            used = self._used
        reset = int((current + 1) * self._window)
        exceeded = self._limit is not None and used > self._limit
        return RateState(self._shown, min(used, self._shown), reset, exceeded)

    def exhausted(self, now: float) -> RateState:
        """The state a rate-limit fault reports: nothing left until the window ends."""
        reset = int((math.floor(now / self._window) + 1) * self._window)
        return RateState(self._shown, self._shown, reset, exceeded=True)
