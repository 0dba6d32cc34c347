"""AWS Lambda entry point for an SQS event source mapping with ReportBatchItemFailures.

Each record of the batch runs in its own thread under one deadline taken from
``context.get_remaining_time_in_millis()`` minus a reserve for the checkpoint and the
continuation send. Records that end ``done``, ``continued`` or ``failed`` (already in
the DLQ with their reason) are left for the mapping to delete; ``retry`` outcomes are
reported in ``batchItemFailures`` so SQS delivers them again. One bad record never fails
the batch. The live and the backfill queue (``shared.lanes``) each have a mapping; a
record's ``eventSourceARN`` tells which queue it came from, and its continuation goes
back there.

Why not Powertools' BatchProcessor: it runs records one after another, so the last
record of a batch would get what little time the others left; here all records share
the invocation's time. Metrics are CloudWatch EMF lines (shared.metrics).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.aws.task_queue import Received
from shared.config import load_settings
from shared.heap import freeze_long_lived
from shared.lanes import LIVE
from shared.log import configure_logging, get_logger
from worker.context import WorkerContext
from worker.runner import Outcome, TaskRunner

log = get_logger("logpull.lambda")
RESERVE_SECONDS = 0.3  # checkpoint + continuation send + returning
MAX_RECORDS = 10  # the SQS event source mapping's largest batch
_CONTEXT: WorkerContext | None = None
_WARM = False
# Container-wide threads: each keeps its API client (built once) across invocations.
_POOL = ThreadPoolExecutor(max_workers=MAX_RECORDS, thread_name_prefix="record")


def _context() -> WorkerContext:
    """Built once per container (clients, sources and secrets are reused)."""
    global _CONTEXT  # noqa: PLW0603 - the container-wide cache Lambda is designed around
    if _CONTEXT is None:
        settings = load_settings(os.environ.get("LOGPULL_CONFIG"))
        configure_logging(settings.logging.level, "json")
        # a Lambda deadline is hard: no run reads past it (overrun_s = 0)
        _CONTEXT = WorkerContext.from_settings(settings, ack_messages=False, emit_metrics=True, overrun_s=0.0)
        freeze_long_lived()
    return _CONTEXT


def to_received(record: dict[str, Any], ctx: WorkerContext | None = None) -> Received:
    """The record as the queue would have handed it out; its lane is the queue its
    ``eventSourceARN`` names (the live and the backfill queue each have a mapping)."""
    attributes = record.get("attributes") or {}
    source_arn = str(record.get("eventSourceARN", ""))
    return Received(
        lane=ctx.queue.lane_of_queue(source_arn) if ctx is not None else LIVE,
        message_id=str(record.get("messageId", "")),
        receipt_handle=str(record.get("receiptHandle", "")),
        body=str(record.get("body", "")),
        receive_count=int(attributes.get("ApproximateReceiveCount", "1") or 1),
        attributes=attributes,
    )


def handle_batch(ctx: WorkerContext, records: list[dict[str, Any]], remaining_ms: int) -> dict[str, Any]:
    started = ctx.clock()
    deadline = started + max(0.0, remaining_ms / 1000 - RESERVE_SECONDS)
    runner = TaskRunner(ctx)

    def run(record: dict[str, Any]) -> tuple[str, Outcome]:
        received = to_received(record, ctx)
        try:
            return received.message_id, runner.run(received, started, deadline)
        except Exception as exc:  # noqa: BLE001 - one bad record must not fail the batch
            log.exception("record_crashed", message_id=received.message_id)
            return received.message_id, Outcome("retry", {"reason": f"{type(exc).__name__}: {exc}"})

    if not records:
        return {"batchItemFailures": []}
    results = list(_POOL.map(run, records))
    failures = [{"itemIdentifier": message_id} for message_id, outcome in results if outcome.outcome == "retry"]
    return {"batchItemFailures": failures}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _WARM  # noqa: PLW0603 - container-wide, like _CONTEXT
    ctx = _context()
    remaining = int(context.get_remaining_time_in_millis()) if context is not None else 60_000
    began = time.monotonic()
    result = handle_batch(ctx, list(event.get("Records") or []), remaining)
    if not _WARM:
        _WARM = True
        freeze_long_lived()  # the records' API clients now exist too
    log.info("invocation_finished", records=len(event.get("Records") or []),
             failures=len(result["batchItemFailures"]), duration_s=round(time.monotonic() - began, 3))
    return result
