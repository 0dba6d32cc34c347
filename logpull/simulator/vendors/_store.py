"""Generated events of one stream, kept in time order with keyset range lookups.

Every event has a time (epoch ms, already cut to the vendor's granularity), an identity
string, the clock second it becomes visible, and its JSON body as the vendor serves it.
Events are ordered ascending by ``(time_ms, id)``; a page walks that order either way and
resumes strictly beyond a keyset position, so a page boundary never shifts when late
events become visible.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from logpull.simulator._generator import draw_event_times, draw_visibility_lags
from logpull.simulator.vendors._settings import VendorSettings

Position = tuple[int, str]  # (time_ms, id) of an event: a keyset position
Match = Callable[[dict[str, Any]], bool]
# (rng, index, time_ms) -> (identity, body): renders one event of a vendor.
Render = Callable[[random.Random, int, int], tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Event:
    time_ms: int
    id: str
    visible_at: float  # clock seconds from which the API returns it
    body: dict[str, Any]

    @property
    def position(self) -> Position:
        return (self.time_ms, self.id)


@dataclass(frozen=True, slots=True)
class Page:
    events: list[Event]
    more: bool  # at least one further event matches and is visible now

    @property
    def last(self) -> Position | None:
        return self.events[-1].position if self.events else None


class EventLog:
    """The events of one stream; read-only after construction, shared by threads."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._events = sorted(events, key=lambda e: e.position)
        self._times = [e.time_ms for e in self._events]
        self._positions = [e.position for e in self._events]

    def __len__(self) -> int:
        return len(self._events)

    def page(
        self,
        lo_ms: int,
        hi_ms: int,
        *,
        now: float,
        limit: int,
        descending: bool = False,
        after: Position | None = None,
        match: Match | None = None,
    ) -> Page:
        """Events with ``lo_ms <= time_ms <= hi_ms`` (both inclusive), visible at ``now``,
        strictly beyond ``after`` in the walking direction: the first ``limit`` and
        whether more exist."""
        begin, stop = bisect_left(self._times, lo_ms), bisect_right(self._times, hi_ms)
        if after is not None:
            if descending:
                stop = min(stop, bisect_left(self._positions, after))
            else:
                begin = max(begin, bisect_right(self._positions, after))
        span = range(stop - 1, begin - 1, -1) if descending else range(begin, stop)
        chosen: list[Event] = []
        for index in span:
            event = self._events[index]
            if event.visible_at <= now and (match is None or match(event.body)):
                if len(chosen) == limit:
                    return Page(chosen, more=True)
                chosen.append(event)
        return Page(chosen, more=False)

    def truth(self, at: float | None = None) -> list[Event]:
        """Every event (or those visible at clock time ``at``), ascending."""
        return [e for e in self._events if at is None or e.visible_at <= at]


def generate(
    settings: VendorSettings,
    render: Render,
    *,
    granularity_ms: int = 1,
    salt: int = 0,
) -> EventLog:
    """``settings.events`` events over the timeline, rendered by ``render``; times cut
    down to ``granularity_ms`` (1000 for an API whose event times are whole seconds).
    Deterministic by ``settings.seed`` (and ``salt``, for several streams of one fake)."""
    rng = random.Random(settings.seed * 1_000_003 + salt)  # noqa: S311 - simulation data
    count = settings.events
    times = draw_event_times(rng, settings, count, start=settings.start, end=settings.timeline_end)
    lags = draw_visibility_lags(rng, settings, count)
    events = []
    seen: set[str] = set()
    for index, raw in enumerate(times):
        time_ms = raw - raw % granularity_ms
        ident, body = render(rng, index, time_ms)
        while ident in seen:  # identities are unique whatever the renderer drew
            ident, body = render(rng, index, time_ms)
        seen.add(ident)
        events.append(Event(time_ms, ident, time_ms / 1000 + lags[index], body))
    return EventLog(events)
