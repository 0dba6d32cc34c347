"""``GET /api/v1/logs`` without HTTP: query in, page out (or ``OktaError``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from logpull.simulator._servicebase import ListService
from logpull.simulator.okta._cursor import BOUNDED, POLLING, Cursor, decode_cursor, encode_cursor
from logpull.simulator.okta._errors import validation
from logpull.simulator.okta._query import LogQuery, parse_query
from logpull.simulator.okta._settings import OktaSimulatorSettings
from logpull.simulator.okta._store import OktaStore, Page


@dataclass(frozen=True, slots=True)
class LogsPage:
    body: bytes  # a JSON array of LogEvents
    next_after: str | None  # the ``after`` of the rel="next" link; None on a last page


class LogsService(ListService[OktaSimulatorSettings, OktaStore]):
    def list_logs(self, params: Mapping[str, str], *, record: bool = True) -> LogsPage:
        """One page; raises ``OktaError`` on a bad request.

        ``record=False`` renders the page without counting it (for faulted responses)."""
        query = parse_query(params)
        now = self._clock()
        cursor = self._cursor(query, now)
        page = self._page(query, cursor, now)
        if record:
            first = None if query.after else (query.since_raw, query.until_raw)
            self._stats.page(first, len(page.blobs))
        return LogsPage(b"[" + b",".join(page.blobs) + b"]", self._next(query, cursor, page, now))

    def _cursor(self, query: LogQuery, now: float) -> Cursor | None:
        if query.after is None:
            return None
        cursor = decode_cursor(query.after, query.fingerprint, now, self._settings.cursor_ttl)
        if cursor.mode != (POLLING if query.polling else BOUNDED):
            raise validation("after", "The cursor does not belong to this kind of request.")
        return cursor

    def _page(self, query: LogQuery, cursor: Cursor | None, now: float) -> Page:
        position = None
        if cursor is not None and cursor.time is not None and cursor.uuid is not None:
            position = (cursor.time, cursor.uuid)
        if query.polling:
            return self._store.polling_page(
                query.polling_since(now), position, limit=query.limit, now=now, match=query.match
            )
        lo_ms, hi_ms = query.bounds_ms(now)
        bounded = None if position is None else (int(position[0]), position[1])
        return self._store.bounded_page(
            lo_ms,
            hi_ms,
            bounded,
            descending=query.descending,
            limit=query.limit,
            now=now,
            match=query.match,
        )

    @staticmethod
    def _next(query: LogQuery, cursor: Cursor | None, page: Page, now: float) -> str | None:
        if query.polling:
            # Polling requests never end: always a next link, from the last item served
            # or, on an empty page, from where this request started.
            last = page.last_persisted
            time, uuid = last if last is not None else (
                (cursor.time, cursor.uuid) if cursor is not None else (None, None)
            )  # fmt: skip
            return encode_cursor(Cursor(query.fingerprint, POLLING, time, uuid, now))
        if not page.more or page.last is None:
            return None
        time_ms, uuid = page.last
        return encode_cursor(Cursor(query.fingerprint, BOUNDED, time_ms, uuid, now))
