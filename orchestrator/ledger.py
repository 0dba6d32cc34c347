"""The completeness ledger of a source: how far reading is complete, how far it is final,
and how many events only the final passes found (what a single-pass reader would lose)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orchestrator.late import final_until
from orchestrator.planning import walk_start
from shared.config import SourceSettings
from shared.log import get_logger
from shared.models import FINAL_PASS, FIRST_PASS, WINDOW_STATES, WindowRecord
from shared.settled import SettledMark
from shared.timeutil import format_instant

log = get_logger("logpull.ledger")


def complete_until(start: datetime, windows: Iterable[WindowRecord]) -> datetime:
    """End of the longest run of done first-pass windows that begins at ``start``."""
    by_start = {w.key.start: w for w in windows if w.key.pass_no == FIRST_PASS}
    until = start
    while (window := by_start.get(until)) is not None and window.state == "done":
        until = window.key.end
    return until


@dataclass(frozen=True)
class Ledger:
    complete_until: datetime
    final_until: datetime
    late_events: int
    events: int
    pages: int
    continuations: int
    first_pass: Counter[str]
    final_pass: Counter[str]

    def lag(self, now: float) -> tuple[int, int]:
        return (max(0, int(now - self.complete_until.timestamp())),
                max(0, int(now - self.final_until.timestamp())))

    def as_dict(self, now: float) -> dict[str, Any]:
        lag, final_lag = self.lag(now)
        return {
            "complete_until": format_instant(self.complete_until),
            "lag_seconds": lag,
            "final_until": format_instant(self.final_until),
            "final_lag_seconds": final_lag,
            "late_events": self.late_events,
            "events": self.events,
            "pages": self.pages,
            "continuations": self.continuations,
            "windows": {s: self.first_pass.get(s, 0) for s in WINDOW_STATES},
            "final_passes": {s: self.final_pass.get(s, 0) for s in WINDOW_STATES},
        }


def ledger(source: SourceSettings, windows: list[WindowRecord], settled: SettledMark | None = None) -> Ledger:
    """From every window of ``source``, or from the ``settled`` prefix's totals and the
    windows from its end on (what a tick lists): the same numbers either way."""
    start = settled.until if settled else walk_start(
        source.start, [(w.key.start, w.key.end) for w in windows if w.key.pass_no == FIRST_PASS])
    prefix = settled or SettledMark(source.start, "")
    return Ledger(
        complete_until=complete_until(start, windows),
        final_until=final_until(start, windows, source.effective_late_horizon),
        late_events=prefix.late_events + sum(w.events for w in windows if w.key.pass_no == FINAL_PASS),
        events=prefix.events + sum(w.events for w in windows),
        pages=prefix.pages + sum(w.pages for w in windows),
        continuations=prefix.continuations + sum(w.continuations for w in windows),
        first_pass=Counter(w.state for w in windows if w.key.pass_no == FIRST_PASS) + Counter(done=prefix.first_passes),
        final_pass=Counter(w.state for w in windows if w.key.pass_no == FINAL_PASS) + Counter(done=prefix.final_passes),
    )


def log_ledger(source: SourceSettings, windows: list[WindowRecord], now: float,
               settled: SettledMark | None = None, level: str = "info") -> Ledger:
    """The ledger as a metrics log line (one per source per tick)."""
    current = ledger(source, windows, settled)
    lag, final_lag = current.lag(now)
    getattr(log, level)("ledger", source=source.id, complete_until=format_instant(current.complete_until),
             final_until=format_instant(current.final_until), lag_seconds=lag,
             final_lag_seconds=final_lag, late_events=current.late_events, events=current.events)
    return current
