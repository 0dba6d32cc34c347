"""``logpull status``: backlog, lag and the completeness ledger per source; queue depths."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from orchestrator.config_changes import Recorded, changes
from orchestrator.coverage import coverage
from orchestrator.ledger import ledger
from orchestrator.planning import covering, walk_start
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.models import FIRST_PASS, SourceMeta, WindowRecord
from shared.timeutil import format_instant, from_epoch


def source_status(source: SourceSettings, store: DynamoStateStore, now: float) -> dict[str, Any]:
    return source_report(source, store.get_meta(source.id), list(store.list_windows(source.id)), now)


def source_report(source: SourceSettings, meta: SourceMeta | None, windows: list[WindowRecord],
                  now: float) -> dict[str, Any]:
    """A source's status from its meta item and window records (pure)."""
    report: dict[str, Any] = {"watermark": format_instant(meta.watermark) if meta else None}
    # the source as a whole (its credentials), beside the failed windows listed under "failed"
    report["source_failed"] = (
        {"reason": meta.failed.reason, "error": meta.failed.error, "since": format_instant(from_epoch(meta.failed.at)),
         "fix": meta.failed.describe(source.id).split(" — ", 1)[-1]}
        if meta and meta.failed else None
    )
    spans = sorted((w.key.start, w.key.end) for w in windows if w.key.pass_no == FIRST_PASS)
    recorded = Recorded(meta, spans[0], spans[-1], covering(source.start, spans)) if meta and spans else None
    report["config_changes"] = changes(source, recorded)  # what the config changed against the record
    origin = walk_start(source.start, spans)
    windows = [w for w in windows if w.key.end > origin]  # the configured range: windows before start are outside
    report.update(ledger(source, windows).as_dict(now))
    due = source.start + source.window + source.settle
    if source.start.timestamp() > now:  # nothing to be late with: say when the first window is due
        report["nothing_due_until"] = format_instant(due)
    report["failed"] = [
        {"window_start": format_instant(w.key.start), "window_end": format_instant(w.key.end),
         "pass": w.key.pass_no, "error": w.error, "error_class": w.error_class}
        for w in windows if w.state == "failed"
    ]
    report["coverage"] = coverage(source, windows, from_epoch(now))  # the strip `status` draws
    return report


def status(settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
           clock: Callable[[], float] = time.time) -> dict[str, Any]:
    now = clock()
    counts = queue.counts()
    return {
        "sources": {s.id: source_status(s, store, now) for s in settings.sources},
        "queue": {"visible": counts.visible, "in_flight": counts.in_flight, "delayed": counts.delayed,
                  "dlq": counts.dlq,  # totals; per lane (shared.lanes) below
                  "lanes": {lane: {"visible": c.visible, "in_flight": c.in_flight, "delayed": c.delayed}
                            for lane, c in counts.lanes.items()}},
        "as_of": format_instant(from_epoch(now)),
    }
