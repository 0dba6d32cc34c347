"""Whether the queues, DLQ and table that ``logpull init`` creates exist: asked once at
the start of a command, so a missing one is one line ("run `logpull init` first")
instead of a failure on every call."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws.clients import STARTUP_CONFIG, client
from shared.aws.task_queue import QUEUE_MISSING_CODES
from shared.config import Settings
from shared.errors import AwsError, ResourceMissing

TABLE_MISSING_CODES = frozenset({"ResourceNotFoundException"})


def _codes(exc: ClientError) -> set[str]:
    error = exc.response.get("Error", {})
    return {str(error.get("Code", "")), str(error.get("QueryErrorCode", ""))}


def _exists(call: Any, missing_codes: frozenset[str], what: str, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as exc:
        if _codes(exc) & missing_codes:
            return False
        raise AwsError(f"could not look up {what}: {exc}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"could not look up {what}: {exc}") from exc
    return True


def resources(settings: Settings) -> list[tuple[str, bool]]:
    """``(what, exists)`` for the task queues, the DLQ and the state table. Raises
    AwsError when AWS cannot tell (unreachable, access denied)."""
    aws = settings.aws
    sqs, dynamodb = client("sqs", aws, STARTUP_CONFIG), client("dynamodb", aws, STARTUP_CONFIG)
    found = []
    queues = ((f"SQS queue {aws.queue_name}", aws.queue_name),
              (f"SQS backfill queue {aws.backfill_queue}", aws.backfill_queue), (f"SQS DLQ {aws.dlq_name}", aws.dlq_name))
    for what, name in queues:
        found.append((what, _exists(sqs.get_queue_url, QUEUE_MISSING_CODES, what, QueueName=name)))
    table = f"DynamoDB table {aws.table_name}"
    found.append((table, _exists(dynamodb.describe_table, TABLE_MISSING_CODES, table, TableName=aws.table_name)))
    return found


def require_resources(settings: Settings) -> None:
    """Raise ResourceMissing naming every missing one."""
    missing = [what for what, exists in resources(settings) if not exists]
    if missing:
        verb = "does" if len(missing) == 1 else "do"
        raise ResourceMissing(f"{', '.join(missing)} {verb} not exist")
