"""Window arithmetic: pure functions, no I/O (property-tested with hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta


def align_down(instant: datetime, origin: datetime, length: timedelta) -> datetime:
    """The latest window boundary ``origin + k*length`` at or before ``instant``."""
    if instant <= origin:
        return origin
    steps = (instant - origin) // length
    return origin + steps * length


def plan_windows(
    watermark: datetime, horizon: datetime, length: timedelta, limit: int
) -> list[tuple[datetime, datetime]]:
    """Consecutive full windows ``[w, w+length)`` from ``watermark`` while they end at or
    before ``horizon`` (``now - settle``), at most ``limit`` of them."""
    if length <= timedelta(0):
        raise ValueError("window length must be positive")
    windows: list[tuple[datetime, datetime]] = []
    start = watermark
    while len(windows) < limit and start + length <= horizon:
        windows.append((start, start + length))
        start += length
    return windows

