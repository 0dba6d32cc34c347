"""Instants and durations as logpull writes and reads them.

All instants are timezone-aware UTC ``datetime`` objects. On the wire (config, messages,
DynamoDB, API queries) they are RFC 3339 strings; ``format_instant`` always writes the
same fixed-width form so that strings sort like the instants they name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# How far apart two processes' clocks may be. No decision compares two clocks where it
# can be helped; where a reading of another process's clock must be trusted, it is
# trusted only this far.
CLOCK_SKEW = timedelta(seconds=60)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: object) -> timedelta:
    """``"30s"``, ``"15m"``, ``"2h"``, ``"1d"`` or ``"250ms"``; a bare number is refused
    (is ``15`` seconds or minutes?), in the config and on the command line alike."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration is a string like 30s, 15m, 2h or 1d")
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        number = str(value).strip()
        raise ValueError(f"use a unit: {number}s, {number}m, {number}h or {number}d (a bare number is ambiguous)")
    if not (isinstance(value, str) and (match := _DURATION.match(value))):
        raise ValueError(f"invalid duration {value!r}: use a number with a unit, like 30s, 15m, 2h or 1d")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds * 1000)}ms"


def parse_instant(value: str | datetime) -> datetime:
    """An RFC 3339 instant (``Z`` or an offset) as an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"instant {value!r} has no timezone: add Z or an offset")
    return parsed.astimezone(UTC)


def format_instant(value: datetime) -> str:
    """Fixed-width RFC 3339 with milliseconds, e.g. ``2026-11-01T00:00:00.000Z``."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def canonical_instant(text: str) -> str:
    """``format_instant(parse_instant(text))``, with a fast path for text that already
    is in that form (Google's own ``id.time`` is)."""
    if len(text) == 24 and text[-1] == "Z" and text[10] == "T" and text[19] == "." and text[4] == "-":
        return text
    return format_instant(parse_instant(text))


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_epoch(value: datetime) -> float:
    return value.timestamp()


def from_epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)
