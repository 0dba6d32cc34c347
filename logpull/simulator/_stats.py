"""Thread-safe request counters, exposed at ``/_sim/stats`` and ``ReportsSimulator.stats()``."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

# The query values a first page is counted under, as sent; named by ``key_names``.
FirstPageKey = tuple[str | None, ...]
REPORTS_KEY_NAMES = ("applicationName", "startTime", "endTime")


class StatsRecorder:
    """Counts ``activities.list`` traffic.

    ``requests`` counts every activities.list request (faulted and rejected ones too);
    ``quota_refusals`` those refused for the quota or rate limit (429s not drawn as faults);
    ``pages`` and ``items_served`` count answered pages; ``first_page_requests`` counts
    answered requests without a pageToken, per distinct (applicationName, startTime,
    endTime) as sent, in order of first appearance. Another API names its first-page
    key fields with ``key_names`` (e.g. Okta's ``("since", "until")``).
    """

    def __init__(
        self, fault_kinds: Iterable[str], key_names: tuple[str, ...] = REPORTS_KEY_NAMES
    ) -> None:
        self._key_names = key_names
        self._lock = threading.Lock()
        self._requests = 0
        self._pages = 0
        self._items = 0
        self._faults = dict.fromkeys(fault_kinds, 0)
        self._first_pages: dict[FirstPageKey, int] = {}
        self._refused = 0

    def refused(self) -> None:
        """A request refused for the rate limit or quota (not a fault drawn at random)."""
        with self._lock:
            self._refused += 1

    def request(self) -> None:
        with self._lock:
            self._requests += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] = self._faults.get(kind, 0) + 1

    def page(self, first_page: FirstPageKey | None, items: int) -> None:
        with self._lock:
            self._pages += 1
            self._items += items
            if first_page is not None:
                self._first_pages[first_page] = self._first_pages.get(first_page, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "pages": self._pages,
                "faults": dict(self._faults),
                "first_page_requests": [
                    {**dict(zip(self._key_names, key, strict=True)), "count": n}
                    for key, n in self._first_pages.items()
                ],
                "items_served": self._items,
                "quota_refusals": self._refused,
            }
