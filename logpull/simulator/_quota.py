"""A request quota per minute of the simulator clock, as Google enforces "Queries per
minute" (windows start on whole minutes; every request counts, refused ones too). The
Okta simulator's rate-limit window counts with it too."""

from __future__ import annotations

import math
import threading


class MinuteQuota:
    def __init__(self, per_minute: int) -> None:
        self.limit = per_minute
        self._lock = threading.Lock()
        self._minute = -1
        self._used = 0

    def count(self, now: float) -> tuple[int, int]:
        """Count one request at ``now``: its minute (epoch minutes) and the requests in
        that minute so far, this one included."""
        minute = math.floor(now / 60.0)
        with self._lock:
            if minute != self._minute:
                self._minute, self._used = minute, 0
            self._used += 1
            return minute, self._used

    def allows(self, now: float) -> bool:
        """Count one request at ``now``; False when it is over the minute's quota."""
        return self.count(now)[1] <= self.limit
