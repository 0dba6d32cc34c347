"""Window arithmetic: pure functions, no I/O (property-tested with hypothesis).

Config evolution (README, "Editing the config"): recorded windows keep their bounds
whatever the config says now; the planner only adds windows where none are recorded.
``layout`` is the one picture of a source's configured range that the tick, the run and
``status`` share: the recorded windows that reach into it, then what is still to plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Span = tuple[datetime, datetime]


def align_down(instant: datetime, origin: datetime, length: timedelta) -> datetime:
    """The latest window boundary ``origin + k*length`` at or before ``instant``."""
    if instant <= origin:
        return origin
    steps = (instant - origin) // length
    return origin + steps * length


def plan_windows(
    watermark: datetime,
    horizon: datetime,
    length: timedelta,
    limit: int,
    end: datetime | None = None,
) -> list[Span]:
    """Consecutive full windows ``[w, w+length)`` from ``watermark`` while they end at or
    before ``horizon`` (``now - settle``), at most ``limit`` of them. A source's ``end``
    within the horizon cuts the last window short there (nothing past it is read)."""
    if length <= timedelta(0):
        raise ValueError("window length must be positive")
    windows: list[Span] = []
    start = watermark
    while len(windows) < limit:
        stop = start + length
        if end is not None and start < end <= horizon:
            stop = min(stop, end)
        if stop > horizon or (end is not None and start >= end):
            break
        windows.append((start, stop))
        start = stop
    return windows


def plan_head(
    start: datetime, first_recorded: datetime, length: timedelta, limit: int
) -> list[Span]:
    """The windows of ``[start, first_recorded)`` (``start`` moved earlier than anything
    recorded), of ``length`` from ``start`` with the last one cut short to meet the first
    recorded window: the ``limit`` of them nearest ``first_recorded`` (a tick records the
    head backwards, so what is recorded stays one contiguous run)."""
    if length <= timedelta(0):
        raise ValueError("window length must be positive")
    if start >= first_recorded:
        return []
    count = -(-(first_recorded - start) // length)  # ceil
    first = max(0, count - limit)
    return [
        (start + k * length, min(start + (k + 1) * length, first_recorded))
        for k in range(first, count)
    ]


def covering(start: datetime, recorded: Iterable[Span]) -> Span | None:
    """The recorded window that contains ``start`` strictly inside it (start moved later,
    off a window boundary): it stays whole and begins the walk over the range."""
    return next((w for w in recorded if w[0] < start < w[1]), None)


def walk_start(start: datetime, recorded: Iterable[Span]) -> datetime:
    """Where coverage of the range from ``start`` is judged from: ``start``, or the start
    of the recorded window that contains it."""
    cover = covering(start, recorded)
    return cover[0] if cover else start


def layout(
    start: datetime,
    length: timedelta,
    target: datetime,
    recorded: Iterable[Span],
    end: datetime | None = None,
) -> list[Span]:
    """Every window of the configured range ``[start, target)`` once the planner is done:
    the recorded windows that reach into it (in their own bounds), the head before the
    first of them (``plan_head``) and the windows planned after the last (``plan_windows``
    from the later of its end and ``start``)."""
    spans = sorted({w for w in recorded if w[1] > start and w[0] < target})
    if not spans:
        return plan_windows(start, target, length, 10**9, end)
    out = plan_head(start, spans[0][0], length, 10**9)
    for span, after in zip(spans, [*spans[1:], None], strict=True):
        out.append(span)
        if after is not None and span[1] < after[0]:  # a hole in the record: counted, not recorded
            out += plan_head(span[1], after[0], length, 10**9)
    return out + plan_windows(max(spans[-1][1], start), target, length, 10**9, end)
