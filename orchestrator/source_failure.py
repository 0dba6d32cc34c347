"""Sources marked failed by a worker (credentials unusable or refused: see
``worker.source_failure``): nothing is sent for them until the mark is cleared, and
clearing it sends their waiting windows again (their messages were deleted).

The mark is cleared by ``logpull source reset``, by ``logpull run`` as it starts (the
operator is running it again, presumably after fixing the credentials) and by a tick
that finds the source's credentials reference changed in the config.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.errors import LeaseLost
from shared.lanes import lane_of
from shared.log import get_logger
from shared.models import FIRST_PASS, SourceMeta, TaskMessage, WindowRecord

log = get_logger("logpull.orchestrator")


def credentials_changed(source: SourceSettings, meta: SourceMeta | None) -> bool:
    """The mark was set under another credentials reference than the config names now."""
    return meta is not None and meta.failed is not None and meta.failed.credentials != source.credentials


def clear(store: DynamoStateStore, queue: SqsTaskQueue, meta: SourceMeta | None,
          windows: Iterable[WindowRecord] | None = None, why: str = "reset",
          settle: timedelta = timedelta(0)) -> int | None:
    """Clear the mark ``meta`` holds (not a newer one) and send the source's waiting
    windows again, each to its lane's queue (``settle``: the source's); how many were
    sent, or None when there was no mark to clear."""
    if meta is None or meta.failed is None or not store.clear_source_failed(meta.source, meta.failed):
        return None
    listed = list(store.list_windows(meta.source)) if windows is None else list(windows)
    waiting = [w for w in listed if w.state == "pending"
               and (w.key.pass_no != FIRST_PASS or w.key.start < meta.enqueued_until)]
    sent = [(lane_of(w.key, w.created_at, settle), task) for w in waiting
            if (task := _dispatch_again(store, w)) is not None]
    queue.send_lanes(sent)
    log.info("source_failure_cleared", source=meta.source, why=why, reason=meta.failed.reason, resent=len(sent))
    return len(sent)


def _dispatch_again(store: DynamoStateStore, window: WindowRecord) -> TaskMessage | None:
    """The window's next task, counted in the window first (as a redrive or a rescue
    does), so workers take it for the latest rather than drop it as superseded by the
    continuation or rescue the window last counted; None if the window moved on."""
    dispatch = window.dispatch + 1
    counted = window.evolve(version=window.version + 1, dispatch=dispatch)
    try:
        store.write(counted, window.version, owner=None)
    except LeaseLost:  # (taken or sent again meanwhile: its own message carries it on)
        return None
    return TaskMessage.for_window(window.key, dispatch)


def clear_all(settings: Settings, store: DynamoStateStore, queue: SqsTaskQueue,
              ids: Iterable[str] | None = None, why: str = "reset") -> dict[str, int]:
    """Clear the marks of these sources (all configured ones without ``ids``); per
    source cleared, how many windows were sent again."""
    wanted = set(ids) if ids is not None else {s.id for s in settings.sources}
    cleared = {}
    for source in settings.sources:
        if source.id in wanted:
            sent = clear(store, queue, store.get_meta(source.id), why=why, settle=source.settle)
            if sent is not None:
                cleared[source.id] = sent
    return cleared
