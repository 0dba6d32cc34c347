"""A source shared by a worker's threads, its pages fetched one at a time."""

from __future__ import annotations

import threading
import time
from typing import Any

from shared.errors import RetryableError
from worker.sources.base import Page, Query, Source


class OneAtATime:
    """Fetches through ``inner`` one at a time: its HTTP client (httplib2, a requests
    session) is not thread-safe, and a task's pager fetches from its prefetch thread
    while the task that follows may already read its first page. Only the request holds
    the lock, never a retry's back-off, and waiting for it counts in the timeout."""

    def __init__(self, inner: Source) -> None:
        self.inner = inner
        self.ordering = inner.ordering
        self._lock = threading.Lock()

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        began = time.monotonic()
        if not self._lock.acquire(timeout=max(0.0, timeout)):
            raise RetryableError(f"the API client stayed busy for {timeout:.0f} s")
        try:
            return self.inner.fetch(query, token, max(1.0, timeout - (time.monotonic() - began)))
        finally:
            self._lock.release()

    def identity(self, item: dict[str, Any]) -> str:
        return self.inner.identity(item)

    def event_time(self, item: dict[str, Any]) -> str:
        return self.inner.event_time(item)
