"""Deterministic event generation: same settings, same events, byte for byte."""

from __future__ import annotations

import hashlib
import json
import math
import random
from array import array
from dataclasses import dataclass, field

from shared.simulator._apps import event_variants
from shared.simulator._settings import SimulatorSettings
from shared.simulator._store import AppEvents, EventStore, User, sort_key
from shared.simulator._timefmt import format_ms

_USERS = 250
_IPS_PER_USER = 3
_FIRST = ("ada", "alan", "grace", "linus", "barbara", "ken", "margaret", "dennis", "radia")
_LAST = ("lovelace", "turing", "hopper", "torvalds", "liskov", "thompson", "hamilton", "ritchie")
_MINUTE_MS = 60_000
_U64 = (1 << 64) - 1


@dataclass(slots=True)
class _Drafts:
    """Per-application columns in generation order."""

    times: list[int] = field(default_factory=list)
    uqs: list[int] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    ips: list[int] = field(default_factory=list)
    variants: list[int] = field(default_factory=list)


def build_store(settings: SimulatorSettings) -> EventStore:
    """Generate ``settings.events`` events and index them; deterministic by ``seed``."""
    rng = random.Random(settings.seed)  # noqa: S311 - simulation data, not security
    users = _make_users(rng)
    drafts = {name: _Drafts() for name in settings.applications}
    _draw_all(rng, settings, drafts)
    actors = _actor_fragments(users)
    apps = {
        name: _finish(name, settings.customer_id, draft, actors) for name, draft in drafts.items()
    }
    return EventStore(apps, users)


def _make_users(rng: random.Random) -> list[User]:
    users = []
    for index in range(_USERS):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        profile = str(100_000_000_000_000_000_000 + rng.getrandbits(64))
        ips = tuple(_dotted(rng.getrandbits(32)) for _ in range(_IPS_PER_USER))
        users.append(User(f"{first}.{last}{index}@example.com", profile, ips))
    return users


def _dotted(ip: int) -> str:
    return f"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}"


def _actor_fragments(users: list[User]) -> list[list[str]]:
    """Per user, per address: the ``actor`` and ``ipAddress`` members of an Activity."""
    return [
        [
            f'"actor":{{"email":{json.dumps(user.email)},"profileId":"{user.profile_id}",'
            f'"callerType":"USER"}},"ipAddress":"{ip}"'
            for ip in user.ips
        ]
        for user in users
    ]


def _draw_all(rng: random.Random, settings: SimulatorSettings, drafts: dict[str, _Drafts]) -> None:
    names = settings.applications
    start_ms = math.ceil(settings.start.timestamp() * 1000)
    end_ms = max(start_ms + 1, math.ceil(settings.timeline_end.timestamp() * 1000))
    seen: set[int] = set()
    variant_counts = {name: len(event_variants(name)) for name in names}
    uniform = rng.random
    for number in range(settings.events):
        name = names[number % len(names)]  # round-robin keeps per-app counts predictable
        draft = drafts[name]
        draft.times.append(_draw_time(rng, settings, draft.times, start_ms, end_ms))
        draft.uqs.append(_draw_unique(rng, seen))
        draft.lags.append(_draw_lag(rng, settings))
        draft.users.append(int(uniform() * _USERS))
        draft.ips.append(int(uniform() * _IPS_PER_USER))
        draft.variants.append(int(uniform() * variant_counts[name]))


def _draw_time(
    rng: random.Random, settings: SimulatorSettings, earlier: list[int], start: int, end: int
) -> int:
    if earlier and rng.random() < settings.shared_timestamp_fraction:
        return earlier[int(rng.random() * len(earlier))]
    value = start + int(rng.random() * (end - start))
    if rng.random() < settings.edge_fraction:
        down = value - value % _MINUTE_MS
        if down >= start:
            return down
        if down + _MINUTE_MS < end:
            return down + _MINUTE_MS
    return value


def _draw_unique(rng: random.Random, seen: set[int]) -> int:
    while True:
        value = rng.getrandbits(64) - (1 << 63)
        if value not in seen:
            seen.add(value)
            return value


def _draw_lag(rng: random.Random, settings: SimulatorSettings) -> float:
    if settings.late_fraction and rng.random() < settings.late_fraction:
        return rng.uniform(settings.late_min, settings.late_max)
    return rng.random() * settings.normal_lag_max


def _finish(name: str, customer_id: str, draft: _Drafts, actors: list[list[str]]) -> AppEvents:
    keys = [sort_key(t, u) for t, u in zip(draft.times, draft.uqs, strict=True)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    del keys
    template = _template(name, customer_id)
    variants = [json.dumps(v, separators=(",", ":")) for v in event_variants(name)]
    clock = _TimeFormatter()
    times, uqs, user_ix, ips, kinds = draft.times, draft.uqs, draft.users, draft.ips, draft.variants
    blobs = []
    for i in order:
        uq = uqs[i]
        actor = actors[user_ix[i]][ips[i]]
        fields = (clock.format(times[i]), uq, uq & _U64, actor, variants[kinds[i]])
        blobs.append((template % fields).encode())
    return AppEvents(
        times=array("q", [times[i] for i in order]),
        uqs=array("q", [uqs[i] for i in order]),
        visible_at=array("d", [times[i] / 1000 + draft.lags[i] for i in order]),
        users=array("H", [user_ix[i] for i in order]),
        blobs=blobs,
    )


class _TimeFormatter:
    """``format_ms`` with the date part cached per day; generation formats ~1e5 times."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def format(self, epoch_ms: int) -> str:
        day, in_day = divmod(epoch_ms, 86_400_000)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = format_ms(day * 86_400_000)[:11]
        seconds, millis = divmod(in_day, 1000)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def _template(name: str, customer_id: str) -> str:
    """A %-format template of one Activity, in compact JSON like Google's own output."""

    def literal(value: str) -> str:
        return json.dumps(value).replace("%", "%%")

    etag_base = hashlib.sha256(f"{customer_id}/{name}".encode()).hexdigest()[:27]
    return (
        '{"kind":"admin#reports#activity",'
        '"id":{"time":"%s","uniqueQualifier":"%d",'
        f'"applicationName":{literal(name)},"customerId":{literal(customer_id)}}},'
        f'"etag":"\\"{etag_base}/%016x\\"",'
        '%s,"events":%s}'
    )
