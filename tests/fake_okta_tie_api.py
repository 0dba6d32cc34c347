"""An Okta-like in-process API for the worker (the ``Source`` port), built for ties and
late events: oldest first, ``since`` inclusive and ``until`` exclusive (widened by the
same second of slack the real Okta source adds), a cursor that names the last event
returned (so events inserted later do not shift the pages, as Okta's ``after`` does),
pages smaller than a tie, cursors that expire. Events may be hidden until ``reveal()``
(late arrivals)."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

import orjson

from shared.errors import TokenRejected
from shared.timeutil import format_instant
from worker.sources.base import Event, Page, Query
from worker.sources.okta import EDGE_SLACK


class OktaTieApi:
    ordering = "oldest_first"

    def __init__(self, events: list[tuple[datetime, str]], page_size: int, latency: float = 0.0,
                 late: list[tuple[datetime, str]] | None = None) -> None:
        self.rows = sorted((format_instant(t), ident) for t, ident in events)
        self.hidden = sorted((format_instant(t), ident) for t, ident in late or [])
        self.page_size, self.latency = page_size, latency
        self.fetches = self.rejected = 0
        self._epoch = 0  # cursors issued before the last expire_all() are refused
        self._lock = threading.Lock()

    def expire_all(self) -> None:
        with self._lock:
            self._epoch += 1

    def reveal(self) -> None:
        """The late events become visible (inserted anywhere in the order)."""
        with self._lock:
            self.rows = sorted(self.rows + self.hidden)
            self.hidden = []

    def truth(self) -> set[str]:
        return {ident for _, ident in self.rows}

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        with self._lock:
            self.fetches += 1
            rows, epoch = list(self.rows), self._epoch
        time.sleep(self.latency)
        since, until = format_instant(query.start - EDGE_SLACK), format_instant(query.end + EDGE_SLACK)
        after: tuple[str, str] | None = None
        if token is not None:
            t, ident, lo, hi, issued = orjson.loads(token)
            if issued != epoch:
                with self._lock:
                    self.rejected += 1
                raise TokenRejected("cursor rejected: HTTP 400 E0000001: after")
            after, since, until = (t, ident), lo, hi  # the cursor carries its query, as Okta's link does
        matching = [row for row in rows if since <= row[0] < until and (after is None or row > after)]
        chunk = matching[:self.page_size]
        items = [Event(orjson.dumps({"uuid": ident, "published": t}), t, ident) for t, ident in chunk]
        more = len(matching) > self.page_size
        following = orjson.dumps([chunk[-1][0], chunk[-1][1], since, until, epoch]).decode() if more else None
        return Page(items, following)

    def identity(self, item: dict[str, Any]) -> str:
        return str(item["uuid"])

    def event_time(self, item: dict[str, Any]) -> str:
        return str(item["published"])
