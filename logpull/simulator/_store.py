"""Generated events, pre-serialised and sorted newest-first, with keyset range lookups.

Order is ``id.time`` descending, then ``id.uniqueQualifier`` (as a signed int64)
descending. Both are folded into one integer ``sort_key`` that grows in that order;
``bisect`` searches the index range with that key, so no key list is kept in memory.
"""

from __future__ import annotations

import heapq
import json
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_SPAN = 1 << 64
_UQ_MAX = (1 << 63) - 1


def sort_key(time_ms: int, unique_qualifier: int) -> int:
    """Ascending in (time desc, uniqueQualifier desc)."""
    return -time_ms * _SPAN + (_UQ_MAX - unique_qualifier)


def _first_key_at_or_before(time_ms: int) -> int:
    """The smallest key an item with ``id.time <= time_ms`` can have."""
    return -time_ms * _SPAN


@dataclass(frozen=True, slots=True)
class User:
    email: str
    profile_id: str
    ips: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AppEvents:
    """Parallel lists for one application, all in newest-first order."""

    times: array[int]  # epoch milliseconds
    uqs: array[int]  # uniqueQualifier as signed int64
    visible_at: array[float]  # epoch seconds from which the API returns the item
    users: array[int]  # index into the store's users
    blobs: list[bytes]  # the Activity as compact JSON

    def key(self, index: int) -> int:
        return sort_key(self.times[index], self.uqs[index])

    def bisect(self, key: int, *, right: bool = False) -> int:
        """Where ``key`` would go in this newest-first order."""
        find = bisect_right if right else bisect_left
        return find(range(len(self.blobs)), key, key=self.key)


@dataclass(frozen=True, slots=True)
class Page:
    blobs: list[bytes]
    last: tuple[int, int] | None  # (time_ms, uniqueQualifier) of the last returned item
    more: bool


@dataclass(frozen=True, slots=True)
class RangeQuery:
    lo_ms: int | None  # inclusive
    hi_ms: int | None  # inclusive
    after: tuple[int, int] | None  # keyset cursor: strictly older than this item
    user_key: str
    limit: int


class EventStore:
    """Read-only after construction; safe to share between handler threads."""

    def __init__(self, apps: Mapping[str, AppEvents], users: Sequence[User]) -> None:
        self._apps = dict(apps)
        self._users = list(users)

    @property
    def applications(self) -> tuple[str, ...]:
        return tuple(self._apps)

    def page(self, application: str, query: RangeQuery, now: float) -> Page:
        """Up to ``query.limit`` items visible at ``now``, and whether more are visible."""
        events = self._apps.get(application)
        user = self._user_filter(query.user_key)
        if events is None or user == -1:
            return Page([], None, more=False)
        begin, stop = self._bounds(events, query, now)
        chosen, more = _scan(events, range(begin, stop), now, query.limit, user)
        blobs = [events.blobs[i] for i in chosen]
        last = (events.times[chosen[-1]], events.uqs[chosen[-1]]) if chosen else None
        return Page(blobs, last, more)

    def truth(self, application: str | None, at: float | None = None) -> list[dict[str, Any]]:
        """All events (or those visible at ``at``) as Activity dicts, newest first."""
        return [json.loads(blob) for blob in self._merged(application, at)]

    def truth_blobs(self, application: str | None, at: float | None = None) -> list[bytes]:
        """Like ``truth`` but the serialised items, as the API would send them."""
        return list(self._merged(application, at))

    def _merged(self, application: str | None, at: float | None) -> Iterator[bytes]:
        names = self.applications if application is None else (application,)
        streams = [_entries(self._apps[name], at) for name in names if name in self._apps]
        for _key, blob in heapq.merge(*streams):
            yield blob

    def _user_filter(self, user_key: str) -> int | None:
        """``None`` for all users, a user index, or ``-1`` when nobody matches."""
        if user_key == "all":
            return None
        for index, user in enumerate(self._users):
            if user_key in (user.email, user.profile_id):
                return index
        return -1

    @staticmethod
    def _bounds(events: AppEvents, query: RangeQuery, now: float) -> tuple[int, int]:
        # Nothing newer than ``now`` can be visible: every lag is >= 0.
        newest = int(now * 1000) if query.hi_ms is None else min(query.hi_ms, int(now * 1000))
        begin = events.bisect(_first_key_at_or_before(newest))
        if query.after is not None:
            begin = max(begin, events.bisect(sort_key(*query.after), right=True))
        stop = len(events.blobs)
        if query.lo_ms is not None:
            stop = events.bisect(_first_key_at_or_before(query.lo_ms - 1))
        return begin, max(begin, stop)


def _entries(events: AppEvents, at: float | None) -> Iterator[tuple[int, bytes]]:
    for index, blob in enumerate(events.blobs):
        if at is None or events.visible_at[index] <= at:
            yield events.key(index), blob


def _scan(
    events: AppEvents, span: range, now: float, limit: int, user: int | None
) -> tuple[list[int], bool]:
    """Indices of the first ``limit`` visible items in ``span``, and "more after"."""
    visible_at, users = events.visible_at, events.users
    chosen: list[int] = []
    for index in span:
        if visible_at[index] <= now and (user is None or users[index] == user):
            if len(chosen) == limit:
                return chosen, True
            chosen.append(index)
    return chosen, False
