"""The coverage strip of ``logpull status``: one cell per window (or per group of windows
when there are more than fit), and lag in words.

The characters alone tell the states apart (no colour: ``NO_COLOR``, not a terminal);
colour only adds to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from rich.text import Text

from shared.timeutil import parse_instant

# state -> (character, rich style, legend words); the order is the legend's
CELLS: dict[str, tuple[str, str, str]] = {
    "done": ("█", "green", "done"),
    "final_pending": ("▒", "yellow", "final pass pending"),
    "running": ("r", "bold cyan", "running"),
    "pending": ("·", "blue", "pending"),
    "failed": ("x", "bold red", "failed"),
    "unscheduled": (" ", "", "not scheduled"),
}
# a cell holding several windows shows the one that most needs a look
URGENCY = ("failed", "running", "pending", "unscheduled", "final_pending", "done")


def human_duration(seconds: float) -> str:
    """``45s``, ``14m``, ``2h 14m``, ``3d 4h``: two units at most, never a bare count."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{n}{unit}" for n, unit in parts if n][:2]
    return " ".join(shown) if shown else "0s"


def short_instant(text: str) -> str:
    """``2026-11-01 10:00Z`` (seconds only when they are not zero)."""
    value = parse_instant(text)
    return value.strftime("%Y-%m-%d %H:%M:%SZ" if value.second else "%Y-%m-%d %H:%MZ")


def lag_words(src: dict[str, Any]) -> str:
    """How far reading is behind what is due: ``2h 14m behind``, ``caught up``."""
    if src.get("nothing_due_until"):
        return "nothing due yet"
    complete = parse_instant(src["complete_until"])
    due = parse_instant(src["coverage"]["due_until"]) if "coverage" in src else complete
    if complete >= due:
        return "caught up"
    return f"{human_duration((due - complete).total_seconds())} behind"


def cells(segments: list[list[Any]], width: int) -> list[str]:
    """The segments' slots drawn in at most ``width`` cells (slot ``i`` goes to cell
    ``i * cells // slots``); a cell of several slots takes the most urgent state."""
    slots = sum(count for _, count in segments)
    count = min(slots, width)
    out: list[str | None] = [None] * count
    position = 0
    for state, length in segments:
        first, last = position * count // slots, (position + length - 1) * count // slots
        for index in range(first, last + 1):
            current = out[index]
            if current is None or URGENCY.index(state) < URGENCY.index(current):
                out[index] = state
        position += length
    return [state or "unscheduled" for state in out]


def strip(coverage: dict[str, Any], width: int) -> Text:
    """``|██x·r▒ |`` (``width`` counts the two borders)."""
    text = Text("|")
    for state, run in groupby(cells(coverage["segments"], width - 2)):
        char, style, _ = CELLS[state]
        text.append(char * len(list(run)), style=style or None)
    text.append("|")
    return text


def scale(coverage: dict[str, Any], width: int) -> str:
    """``2026-11-01 00:00Z → 2026-11-02 00:00Z, 1 cell = 1 window (15m)``."""
    slots = sum(count for _, count in coverage["segments"])
    shown = min(slots, width - 2)
    window = timedelta(seconds=coverage["window_seconds"])
    span = f"{short_instant(coverage['start'])} → {short_instant(coverage['end'])}"
    if slots == shown:
        return f"{span}, 1 cell = 1 window ({human_duration(window.total_seconds())})"
    per_cell = slots / shown
    exact = slots % shown == 0
    return (f"{span}, 1 cell {'=' if exact else '≈'} {per_cell:.0f} windows "
            f"({human_duration(per_cell * window.total_seconds())})")


def legend() -> Text:
    text = Text()
    for char, style, words in CELLS.values():
        text.append("  " if text else "")
        text.append("' '" if char == " " else char, style=style or None)
        text.append(f" {words}")
    return text


def ago(text: str, now: datetime) -> str:
    seconds = (now - parse_instant(text)).total_seconds()
    return "just now" if seconds < 1 else f"{human_duration(seconds)} ago"
