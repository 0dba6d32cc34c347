"""``logpull status``: backlog and lag per source, and the queue depths."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.models import FIRST_PASS, WINDOW_STATES, WindowRecord
from shared.timeutil import format_instant, from_epoch


def complete_until(start: datetime, windows: Iterable[WindowRecord]) -> datetime:
    """End of the longest run of done first-pass windows that begins at ``start``."""
    until = start
    first_pass = sorted((w for w in windows if w.key.pass_no == FIRST_PASS), key=lambda w: w.key.start)
    for window in first_pass:
        if window.key.start != until or window.state != "done":
            break
        until = window.key.end
    return until


def source_status(source: SourceSettings, store: DynamoStateStore, now: float) -> dict[str, Any]:
    meta = store.get_meta(source.id)
    windows = list(store.list_windows(source.id))
    first = [w for w in windows if w.key.pass_no == FIRST_PASS]
    states = Counter(w.state for w in first)
    until = complete_until(source.start, first)
    return {
        "watermark": format_instant(meta.watermark) if meta else None,
        "complete_until": format_instant(until),
        "lag_seconds": max(0, int(now - until.timestamp())),
        "windows": {state: states.get(state, 0) for state in WINDOW_STATES},
        "events": sum(w.events for w in windows),
        "pages": sum(w.pages for w in windows),
        "continuations": sum(w.continuations for w in windows),
        "failed": [
            {"window_start": format_instant(w.key.start), "window_end": format_instant(w.key.end),
             "pass": w.key.pass_no, "error": w.error, "error_class": w.error_class}
            for w in windows if w.state == "failed"
        ],
    }


def status(settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
           clock: Callable[[], float] = time.time) -> dict[str, Any]:
    now = clock()
    counts = queue.counts()
    return {
        "sources": {s.id: source_status(s, store, now) for s in settings.sources},
        "queue": {"visible": counts.visible, "in_flight": counts.in_flight, "delayed": counts.delayed,
                  "dlq": counts.dlq},
        "as_of": format_instant(from_epoch(now)),
    }
