"""Deterministic event generation: same settings, same events, byte for byte.

Every attribute is drawn column by column for all events from one seeded ``Random``;
event ``i`` belongs to application ``i % len(applications)`` (round-robin).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from logpull.simulator._serialize import Columns, actor_fragments, serialize_app
from logpull.simulator._settings import SimulatorSettings
from logpull.simulator._store import EventStore, User

USERS = 250
IPS_PER_USER = 3
_FIRST = ("ada", "alan", "grace", "linus", "barbara", "ken", "margaret", "dennis", "radia")
_LAST = ("lovelace", "turing", "hopper", "torvalds", "liskov", "thompson", "hamilton", "ritchie")
_MINUTE_MS = 60_000


class TimelineSettings(Protocol):
    """The settings the timeline and visibility draws read (any simulator's settings)."""

    @property
    def shared_timestamp_fraction(self) -> float: ...
    @property
    def edge_fraction(self) -> float: ...
    @property
    def late_fraction(self) -> float: ...
    @property
    def late_min(self) -> float: ...
    @property
    def late_max(self) -> float: ...
    @property
    def normal_lag_max(self) -> float: ...


@dataclass(frozen=True, slots=True)
class _Timeline:
    start_ms: int  # inclusive
    end_ms: int  # exclusive
    stride: int  # number of applications: same-app events are this far apart


def build_store(settings: SimulatorSettings) -> EventStore:
    """Generate ``settings.events`` events and index them; deterministic by ``seed``."""
    rng = random.Random(settings.seed)  # noqa: S311 - simulation data, not security
    users = _make_users(rng)
    columns = _draw_columns(rng, settings)
    actors = actor_fragments(users)
    stride = len(settings.applications)
    apps = {
        name: serialize_app(name, settings.customer_id, columns.slice(index, stride), actors)
        for index, name in enumerate(settings.applications)
    }
    return EventStore(apps, users)


def _make_users(rng: random.Random) -> list[User]:
    users = []
    for index in range(USERS):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        profile = str(100_000_000_000_000_000_000 + rng.getrandbits(64))
        ips = tuple(_dotted(rng.getrandbits(32)) for _ in range(IPS_PER_USER))
        users.append(User(f"{first}.{last}{index}@example.com", profile, ips))
    return users


def _dotted(ip: int) -> str:
    return f"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}"


def _draw_columns(rng: random.Random, settings: SimulatorSettings) -> Columns:
    count, uniform = settings.events, rng.random
    start_ms = math.ceil(settings.start.timestamp() * 1000)
    end_ms = max(start_ms + 1, math.ceil(settings.timeline_end.timestamp() * 1000))
    timeline = _Timeline(start_ms, end_ms, len(settings.applications))
    return Columns(
        times=_draw_times(rng, settings, count, timeline),
        uqs=_draw_uniques(rng, count),
        lags=_draw_lags(rng, settings, count),
        users=[int(uniform() * USERS) for _ in range(count)],
        ips=[int(uniform() * IPS_PER_USER) for _ in range(count)],
        picks=[uniform() for _ in range(count)],
    )


def _draw_times(
    rng: random.Random, settings: TimelineSettings, count: int, timeline: _Timeline
) -> list[int]:
    uniform, start, end = rng.random, timeline.start_ms, timeline.end_ms
    times = [start + int(uniform() * (end - start)) for _ in range(count)]
    edge = settings.edge_fraction
    for index in [i for i in range(count) if uniform() < edge] if edge else []:
        down = times[index] - times[index] % _MINUTE_MS
        if down >= start:
            times[index] = down
        elif down + _MINUTE_MS < end:
            times[index] = down + _MINUTE_MS
    shared, stride = settings.shared_timestamp_fraction, timeline.stride
    for index in [i for i in range(stride, count) if uniform() < shared] if shared else []:
        earlier = index // stride  # how many events of the same application come before
        times[index] = times[index - stride * (1 + int(uniform() * earlier))]
    return times


def _draw_uniques(rng: random.Random, count: int) -> list[int]:
    """Distinct signed int64 values."""
    offset, bits = 1 << 63, rng.getrandbits
    return draw_distinct(count, lambda: bits(64) - offset)


def draw_distinct(count: int, draw: Callable[[], int]) -> list[int]:
    """``count`` distinct values of ``draw()``: drawn all at once, then any repeat redrawn
    (in order) until it is new."""
    values = [draw() for _ in range(count)]
    if len(set(values)) == count:
        return values
    seen: set[int] = set()
    for index, drawn in enumerate(values):
        value = drawn
        while value in seen:
            value = draw()
        seen.add(value)
        values[index] = value
    return values


def _draw_lags(rng: random.Random, settings: TimelineSettings, count: int) -> list[float]:
    uniform, normal = rng.random, settings.normal_lag_max
    late, low, high = settings.late_fraction, settings.late_min, settings.late_max
    if not late:
        return [uniform() * normal for _ in range(count)]
    return [
        low + uniform() * (high - low) if uniform() < late else uniform() * normal
        for _ in range(count)
    ]


def draw_event_times(
    rng: random.Random,
    settings: TimelineSettings,
    count: int,
    *,
    start: datetime,
    end: datetime,
    stride: int = 1,
) -> list[int]:
    """Event times in epoch ms over ``[start, end)``, with the same minute-edge and
    shared-timestamp model as the Reports simulator (``stride`` as its applications)."""
    start_ms = math.ceil(start.timestamp() * 1000)
    end_ms = max(start_ms + 1, math.ceil(end.timestamp() * 1000))
    return _draw_times(rng, settings, count, _Timeline(start_ms, end_ms, stride))


def draw_visibility_lags(rng: random.Random, settings: TimelineSettings, count: int) -> list[float]:
    """Seconds from event time until the API returns the event (the late-arrival model)."""
    return _draw_lags(rng, settings, count)
