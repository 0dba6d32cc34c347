"""Credentials that cannot be loaded or that the API refuses fail the *source*, not the
window: every window of it would fail the same way, one DLQ entry each.

So the task's source is marked failed once (in its meta item, with the cause), the
window is left pending with its checkpoint intact (released if this task held it), and
the message is deleted rather than dead-lettered. The orchestrator sends nothing for a
failed source; a reset (or ``logpull run`` starting again, or a changed credentials
reference) clears the mark and sends its pending windows again.
"""

from __future__ import annotations

from typing import Any

from shared.aws.task_queue import Received
from shared.errors import LeaseLost, PermanentError
from shared.log import get_logger
from shared.models import SOURCE_FAILURE_REASONS, SourceFailure, WindowRecord, parse_task
from shared.redact import redact
from worker.context import WorkerContext

log = get_logger("logpull.worker")


def applies(exc: PermanentError) -> bool:
    """Whether the error is the source's credentials (rather than this window's)."""
    return exc.reason in SOURCE_FAILURE_REASONS


def hand_back(ctx: WorkerContext, received: Received,
              leased: tuple[WindowRecord, str] | None, exc: PermanentError) -> dict[str, Any]:
    """Mark the source failed (once), leave the window pending, delete the message;
    the task's outcome fields."""
    source = parse_task(received.body).source  # (a body that is no task fails as malformed_message instead)
    error_class = type(exc.__cause__ or exc).__name__
    failure = SourceFailure(reason=exc.reason, error=redact(str(exc)), credentials=_credentials(ctx, source),
                            at=ctx.clock())
    if ctx.store.mark_source_failed(source, failure):
        log.error("source_failed", reason=failure.reason, error=failure.error, message=failure.describe(source))
    ctx.forget_source(source)  # the secret is read again when the source is retried
    if leased is not None:
        _release(ctx, *leased, failure, error_class)
    if ctx.ack_messages:  # (under Lambda the mapping deletes a message that is not reported failed)
        ctx.queue.delete(received.receipt_handle, received.lane)
    return {"reason": f"{failure.reason}: {failure.error}", "error_class": error_class, "source_failed": True}


def _credentials(ctx: WorkerContext, source: str) -> str:
    return next((s.credentials for s in ctx.settings.sources if s.id == source), "")


def _release(ctx: WorkerContext, record: WindowRecord, owner: str, failure: SourceFailure, error_class: str) -> None:
    released = record.evolve(
        version=record.version + 1, state="pending", lease_owner=None, lease_expiry=0.0, lease_message=None,
        error=f"source failed: {failure.reason}: {failure.error}", error_class=error_class, updated_at=ctx.clock(),
    )
    try:
        ctx.store.write(released, record.version, owner)
    except LeaseLost:  # another worker has it now: it will find the source failed too
        return
