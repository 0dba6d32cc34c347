"""The late-arrival schedule: which windows need a final pass, and when.

Events may become visible up to ``late_horizon`` after they happened. A first pass that
started reading before ``window_end + late_horizon`` may have missed some, so the window
gets one final pass at that instant; a pass that started after it (a backfill) saw
everything and needs none. Pure functions over window records; property-tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from shared.models import FINAL_PASS, FIRST_PASS, WindowRecord
from shared.timeutil import CLOCK_SKEW


def final_pass_at(window: WindowRecord, horizon: timedelta) -> datetime:
    return window.key.end + horizon


def needs_final_pass(first: WindowRecord, horizon: timedelta) -> bool:
    """A done first pass whose reading began before the window's late horizon. When it
    began is a worker's clock reading, trusted only to ``CLOCK_SKEW``: a worker whose
    clock runs ahead must not skip a final pass (a needless one only costs a pass)."""
    if first.key.pass_no != FIRST_PASS or first.state != "done":
        return False
    return first.started_at < (final_pass_at(first, horizon) + CLOCK_SKEW).timestamp()


def final_pass_due(first: WindowRecord, horizon: timedelta, now: float) -> bool:
    return needs_final_pass(first, horizon) and now >= final_pass_at(first, horizon).timestamp()


def due_final_passes(windows: Iterable[WindowRecord], horizon: timedelta, now: float) -> list[WindowRecord]:
    """First passes whose final pass is due now and not yet recorded."""
    windows = list(windows)
    recorded = {w.key.start for w in windows if w.key.pass_no == FINAL_PASS}
    return [w for w in windows
            if w.key.start not in recorded and final_pass_due(w, horizon, now)]


def final_until(start: datetime, windows: Iterable[WindowRecord], horizon: timedelta) -> datetime:
    """End of the longest run of windows from ``start`` that are final: first pass done
    and either no final pass needed or the final pass done."""
    firsts: dict[datetime, WindowRecord] = {}
    finals: dict[datetime, WindowRecord] = {}
    for w in windows:
        (firsts if w.key.pass_no == FIRST_PASS else finals)[w.key.start] = w
    until = start
    while (first := firsts.get(until)) is not None and first.state == "done":
        if needs_final_pass(first, horizon):
            final = finals.get(until)
            if final is None or final.state != "done":
                break
        until = first.key.end
    return until
