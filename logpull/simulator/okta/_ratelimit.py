"""Okta's rate-limit headers: a request budget per minute of the simulator clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from logpull.simulator._quota import MinuteQuota

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
        self._minutes = MinuteQuota(limit)

    def take(self, now: float) -> RateState:
        """Count one request at ``now``."""
        window, used = self._minutes.count(now)
        limit = self._minutes.limit
        return RateState(limit, max(0, limit - used), int((window + 1) * WINDOW), used > limit)

    def exhausted(self, now: float) -> RateState:
        """The headers of a 429 fault: nothing left until the next whole second + 1."""
        return RateState(self._minutes.limit, 0, math.ceil(now) + 1, exceeded=True)
