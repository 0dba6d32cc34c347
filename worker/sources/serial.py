"""A source shared by a worker's threads, its pages fetched one at a time."""

from __future__ import annotations

import threading
from typing import Any

from worker.sources.base import Page, Query, Source


class OneAtATime:
    """Fetches through ``inner`` one at a time: its HTTP client (httplib2, a requests
    session) is not thread-safe, and a worker may read the next task's first page while
    the current task is still paging. Only the request holds the lock, never a retry's
    back-off."""

    def __init__(self, inner: Source) -> None:
        self.inner = inner
        self.ordering = inner.ordering
        self._lock = threading.Lock()

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        with self._lock:
            return self.inner.fetch(query, token, timeout)

    def identity(self, item: dict[str, Any]) -> str:
        return self.inner.identity(item)

    def event_time(self, item: dict[str, Any]) -> str:
        return self.inner.event_time(item)
