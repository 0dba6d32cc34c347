"""AWS Lambda entry point for an EventBridge schedule: one orchestrator tick."""

from __future__ import annotations

import os
from typing import Any

from orchestrator.tick import Orchestrator
from shared.aws.clients import client
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import load_settings
from shared.log import configure_logging

_ORCHESTRATOR: Orchestrator | None = None


def _orchestrator() -> Orchestrator:
    global _ORCHESTRATOR  # noqa: PLW0603 - container-wide cache
    if _ORCHESTRATOR is None:
        settings = load_settings(os.environ.get("LOGPULL_CONFIG"))
        configure_logging(settings.logging.level, "json")
        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name,
                             settings.aws.dlq_name, settings.aws.backfill_queue)
        _ORCHESTRATOR = Orchestrator(settings, store, queue, emit_metrics=True)
    return _ORCHESTRATOR


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One tick. A tick is bounded by max_windows_per_tick; give the function a timeout
    of a minute or more (see template.yaml)."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 60.0
    orchestrator = _orchestrator()
    result = orchestrator.tick(deadline=orchestrator.clock() + max(1.0, remaining - 5.0))
    return {"recorded": result.recorded, "enqueued": result.enqueued, "final_passes": result.final_passes,
            "rescued": result.rescued}
