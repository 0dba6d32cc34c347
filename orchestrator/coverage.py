"""A source's coverage over time, window by window, as run-length segments.

From ``start`` to the end of the last window due now (or the watermark, if further),
each window slot has one state: ``done``; ``final_pending`` (first pass done, its final
pass not yet done); ``running``; ``pending``; ``failed`` (either pass); or
``unscheduled`` (no record: beyond the watermark, or a gap). Built from the window
records ``status`` already lists: no request per window. Pure; the CLI draws it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal

from orchestrator.late import needs_final_pass
from orchestrator.planning import align_down
from shared.config import SourceSettings
from shared.models import FIRST_PASS, WindowRecord
from shared.timeutil import format_instant

SlotState = Literal["done", "final_pending", "running", "pending", "failed", "unscheduled"]
SLOT_STATES: tuple[SlotState, ...] = ("done", "final_pending", "running", "pending", "failed", "unscheduled")


def due_until(source: SourceSettings, now: datetime) -> datetime:
    """End of the last full window due at ``now`` (``now - settle``, capped at ``end``)."""
    limit = min(now - source.settle, source.end) if source.end else now - source.settle
    return max(source.start, align_down(limit, source.start, source.window))


def slot_state(first: WindowRecord, final: WindowRecord | None, horizon: timedelta) -> SlotState:
    """One window's state, both passes considered (the more urgent one shows)."""
    states = {first.state, final.state if final else None}
    if "failed" in states:
        return "failed"
    if "running" in states:
        return "running"
    if first.state == "pending":
        return "pending"
    if needs_final_pass(first, horizon) and (final is None or final.state != "done"):
        return "final_pending"
    return "done"


def segments(source: SourceSettings, windows: Iterable[WindowRecord], until: datetime) -> list[list[Any]]:
    """``[[state, count], ...]`` from ``source.start`` to ``until`` (or the last recorded
    window's end, if later); neighbouring slots of one state are one segment."""
    firsts: dict[datetime, WindowRecord] = {}
    finals: dict[datetime, WindowRecord] = {}
    for w in windows:
        (firsts if w.key.pass_no == FIRST_PASS else finals)[w.key.start] = w
    out: list[list[Any]] = []

    def add(state: SlotState, count: int) -> None:
        if count <= 0:
            return
        if out and out[-1][0] == state:
            out[-1][1] += count
        else:
            out.append([state, count])

    cursor = source.start
    for start in sorted(s for s in firsts if s >= source.start):
        add("unscheduled", int((start - cursor) / source.window))  # a gap in the records
        add(slot_state(firsts[start], finals.get(start), source.effective_late_horizon), 1)
        cursor = max(cursor, firsts[start].key.end)
    add("unscheduled", int((until - cursor) / source.window))  # not yet scheduled
    return out


def coverage(source: SourceSettings, windows: list[WindowRecord], now: datetime) -> dict[str, Any]:
    """The ``coverage`` entry of a source's status report."""
    until = due_until(source, now)
    segs = segments(source, windows, until)
    slots = sum(count for _, count in segs)
    return {
        "start": format_instant(source.start),
        "end": format_instant(source.start + slots * source.window),
        "due_until": format_instant(until),
        "window_seconds": int(source.window.total_seconds()),
        "segments": segs,
    }
