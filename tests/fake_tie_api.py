"""A small in-process API for the worker (the ``Source`` port), built for ties: many
events at one instant, pages smaller than the tie, page tokens that expire soon after
they are issued, a fixed latency a page. Newest first with inclusive ends, like the
Reports API; within a tie, a stable order."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

import orjson

from shared.errors import TokenRejected
from shared.timeutil import format_instant
from worker.sources.base import Event, Page, Query


class TieApi:
    ordering = "newest_first"

    def __init__(self, events: list[tuple[datetime, str]], page_size: int, latency: float = 0.0,
                 token_ttl: float | None = None) -> None:
        rows = [(format_instant(t), ident) for t, ident in events]
        self.rows = sorted(rows, key=lambda row: (row[0], row[1]), reverse=True)
        self.page_size, self.latency, self.token_ttl = page_size, latency, token_ttl
        self.fetches = self.rejected = 0
        self._epoch = 0  # tokens issued before the last expire_all() are refused
        self._lock = threading.Lock()

    def expire_all(self) -> None:
        """Every token issued so far expires (as a long wait would make it)."""
        with self._lock:
            self._epoch += 1

    def truth(self) -> set[str]:
        return {ident for _, ident in self.rows}

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        with self._lock:
            self.fetches += 1
        time.sleep(self.latency)
        offset = 0
        if token is not None:
            text, issued, epoch = token.split("@")
            expired = self.token_ttl is not None and time.time() - float(issued) > self.token_ttl
            if expired or int(epoch) != self._epoch:
                with self._lock:
                    self.rejected += 1
                raise TokenRejected("page token expired")
            offset = int(text)
        low, high = format_instant(query.start), format_instant(query.end)
        matching = [row for row in self.rows if low <= row[0] <= high]
        chunk = matching[offset:offset + self.page_size]
        items = [Event(orjson.dumps({"id": ident, "time": t}), t, ident) for t, ident in chunk]
        more = offset + self.page_size < len(matching)
        return Page(items, f"{offset + self.page_size}@{time.time()}@{self._epoch}" if more else None)

    def identity(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    def event_time(self, item: dict[str, Any]) -> str:
        return str(item["time"])
