"""The AWS ports a command works with, built from the settings.

Its own module because both the command definitions (``_app``) and ``logpull run``
(``_running``) need it, and ``_app`` imports ``_running``: neither imports the other back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.aws.state_store import DynamoStateStore
    from shared.aws.task_queue import SqsTaskQueue
    from shared.config import Settings


def aws_ports(settings: Settings) -> tuple[DynamoStateStore, SqsTaskQueue]:
    """The state table and the task queue (boto3 is imported here, not by ``--help``)."""
    from shared.aws.clients import client
    from shared.aws.state_store import DynamoStateStore
    from shared.aws.task_queue import SqsTaskQueue

    store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
    queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name,
                         settings.aws.dlq_name, settings.aws.backfill_queue)
    return store, queue
