"""Turning drawn columns into sorted, pre-serialised Activity resources."""

from __future__ import annotations

import hashlib
import json
from array import array
from dataclasses import dataclass
from functools import cache

from logpull.simulator._apps import event_variants
from logpull.simulator._store import AppEvents, User, sort_key
from logpull.simulator._timefmt import format_ms

_U64 = (1 << 64) - 1
_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Columns:
    """Drawn attributes, one list per attribute, all in generation order."""

    times: list[int]  # epoch ms
    uqs: list[int]  # signed int64
    lags: list[float]  # seconds from event time to visibility
    users: list[int]  # index into users
    ips: list[int]  # index into the user's addresses
    picks: list[float]  # uniform [0, 1): which event variant

    def slice(self, first: int, stride: int) -> Columns:
        """Every ``stride``-th event from ``first`` on: one application's share."""
        step = slice(first, None, stride)
        return Columns(
            self.times[step], self.uqs[step], self.lags[step],
            self.users[step], self.ips[step], self.picks[step],
        )  # fmt: skip


def actor_fragments(users: list[User]) -> list[list[str]]:
    """Per user, per address: the ``actor`` and ``ipAddress`` members of an Activity."""
    return [
        [
            f'"actor":{{"email":{json.dumps(user.email)},"profileId":"{user.profile_id}",'
            f'"callerType":"USER"}},"ipAddress":"{ip}"'
            for ip in user.ips
        ]
        for user in users
    ]


def serialize_app(
    name: str, customer_id: str, columns: Columns, actors: list[list[str]]
) -> AppEvents:
    """One application's events, newest first, each as compact JSON bytes."""
    times, uqs = columns.times, columns.uqs
    keys = [sort_key(t, u) for t, u in zip(times, uqs, strict=True)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    del keys
    return AppEvents(
        times=array("q", [times[i] for i in order]),
        uqs=array("q", [uqs[i] for i in order]),
        visible_at=array("d", [times[i] / 1000 + columns.lags[i] for i in order]),
        users=array("H", [columns.users[i] for i in order]),
        blobs=_blobs(name, customer_id, columns, actors, order),
    )


def _blobs(
    name: str, customer_id: str, columns: Columns, actors: list[list[str]], order: list[int]
) -> list[bytes]:
    template = _template(name, customer_id)
    variants = [json.dumps(v, separators=(",", ":")) for v in event_variants(name)]
    days: dict[int, str] = {}
    clock, millis = _clock_strings(), _milli_strings()
    times, uqs, users, ips, picks = (
        columns.times, columns.uqs, columns.users, columns.ips, columns.picks,
    )  # fmt: skip
    blobs = []
    for i in order:
        day, in_day = divmod(times[i], _DAY_MS)
        date = days.get(day) or days.setdefault(day, format_ms(day * _DAY_MS)[:11])
        uq = uqs[i]
        fields = (
            date, clock[in_day // 1000], millis[in_day % 1000], uq, uq & _U64,
            actors[users[i]][ips[i]], variants[int(picks[i] * len(variants))],
        )  # fmt: skip
        blobs.append((template % fields).encode())
    return blobs


@cache
def _clock_strings() -> tuple[str, ...]:
    """``HH:MM:SS`` for every second of a day."""
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(_DAY_MS // 1000))


@cache
def _milli_strings() -> tuple[str, ...]:
    return tuple(f"{ms:03d}" for ms in range(1000))


def _template(name: str, customer_id: str) -> str:
    """A %-format template of one Activity, in compact JSON like Google's own output."""

    def literal(value: str) -> str:
        return json.dumps(value).replace("%", "%%")

    etag_base = hashlib.sha256(f"{customer_id}/{name}".encode()).hexdigest()[:27]
    return (
        '{"kind":"admin#reports#activity",'
        '"id":{"time":"%s%s.%sZ","uniqueQualifier":"%d",'
        f'"applicationName":{literal(name)},"customerId":{literal(customer_id)}}},'
        f'"etag":"\\"{etag_base}/%016x\\"",'
        '%s,"events":%s}'
    )
