"""``logpull init``: create the queues (live and backfill, see ``shared.lanes``), their
DLQ (both with the same redrive policy) and the table.

Idempotent: running it again changes nothing that already exists as it should.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws.task_queue import redrive_policy
from shared.config import Settings
from shared.errors import AwsError

DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def ensure_queues(sqs: Any, settings: Settings) -> dict[str, str]:
    aws = settings.aws
    try:
        dlq_url = sqs.create_queue(
            QueueName=aws.dlq_name,
            Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        attributes = {
            "VisibilityTimeout": str(int(settings.worker.lease.total_seconds())),
            "RedrivePolicy": redrive_policy(dlq_arn, aws.max_receive_count),
        }
        urls = {"dlq": dlq_url}
        for what, name in (("queue", aws.queue_name), ("backfill_queue", aws.backfill_queue)):
            urls[what] = sqs.create_queue(QueueName=name)["QueueUrl"]  # the live and the backfill lane
            sqs.set_queue_attributes(QueueUrl=urls[what], Attributes=attributes)
    except (ClientError, BotoCoreError) as exc:
        raise AwsError(f"could not create the SQS queues: {exc}") from exc
    return urls


def ensure_table(dynamodb: Any, settings: Settings) -> str:
    name = settings.aws.table_name
    try:
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise AwsError(f"could not create table {name}: {exc}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"could not create table {name}: {exc}") from exc
    try:
        dynamodb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    except (ClientError, BotoCoreError) as exc:
        raise AwsError(f"table {name} did not become active: {exc}") from exc
    return name
