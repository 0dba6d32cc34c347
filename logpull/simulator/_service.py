"""``activities.list`` without HTTP: query in, response body out (or ``ApiError``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from logpull.simulator._request import ListQuery, parse_list_query
from logpull.simulator._servicebase import ListService
from logpull.simulator._settings import SimulatorSettings
from logpull.simulator._store import EventStore, Page, RangeQuery
from logpull.simulator._tokens import Cursor, decode_token, encode_token

_KIND = b'{"kind":"admin#reports#activities","etag":'


class ActivitiesService(ListService[SimulatorSettings, EventStore]):
    def list_page(
        self, user_key: str, application: str, params: Mapping[str, str], *, record: bool = True
    ) -> bytes:
        """One page of ``Activities`` as JSON bytes; raises ``ApiError`` on a bad request.

        ``record=False`` renders the page without counting it (for faulted responses).
        """
        query = parse_list_query(
            user_key,
            application,
            params,
            customer_id=self._settings.customer_id,
            inclusive_end=self._settings.inclusive_end,
        )
        now = self._clock()
        after = self._cursor(query, now)
        page = self._store.page(
            application,
            RangeQuery(query.lo_ms, query.hi_ms, after, query.user_key, query.max_results),
            now,
        )
        if record:
            first = None if after else (application, query.start_time, query.end_time)
            self._stats.page(first, len(page.blobs))
        return _body(page, self._next_token(query, page, now))

    def _cursor(self, query: ListQuery, now: float) -> tuple[int, int] | None:
        if query.page_token is None:
            return None
        cursor = decode_token(query.page_token, query.fingerprint, now, self._settings.token_ttl)
        return cursor.time_ms, cursor.unique_qualifier

    @staticmethod
    def _next_token(query: ListQuery, page: Page, now: float) -> str | None:
        if not page.more or page.last is None:
            return None
        return encode_token(Cursor(query.fingerprint, page.last[0], page.last[1], now))


def _body(page: Page, next_token: str | None) -> bytes:
    """``Activities`` JSON built by joining the pre-serialised items."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(next_token.encode() if next_token else b"last")
    if page.last is not None:
        digest.update(f"{page.last[0]}/{page.last[1]}/{len(page.blobs)}".encode())
    parts = [_KIND, json.dumps(f'"{digest.hexdigest()}"').encode()]
    if page.blobs:
        parts += [b',"items":[', b",".join(page.blobs), b"]"]
    if next_token is not None:
        parts += [b',"nextPageToken":"', next_token.encode(), b'"']
    parts.append(b"}")
    return b"".join(parts)
