"""The embedded emulator applies each DynamoDB request atomically, as DynamoDB does.

moto's server answers on threads without isolating requests: UpdateItems from several
processes that create the same item at once each found no item, and the later one's
item replaced the earlier one's (its increments lost: 1 to 3 of 240 here). That was the
Okta budget test's "20 tokens for 22 requests": four workers' first takes of a fresh
budget item, together. The emulator serialises DynamoDB requests (shared/aws/emulator.py).
"""

from __future__ import annotations

import multiprocessing
import uuid
from typing import Any

import pytest

from shared.aws.clients import client
from shared.config import AwsSettings

pytestmark = pytest.mark.integration
PROCESSES, ROUNDS = 4, 400


def _take(url: str, table: str, barrier: Any) -> None:
    dynamodb = client("dynamodb", AwsSettings(endpoint_url=url))
    for round_no in range(ROUNDS):
        barrier.wait()
        dynamodb.update_item(
            TableName=table, Key={"pk": {"S": f"budget#{round_no}"}, "sk": {"S": "bucket"}},
            UpdateExpression="SET #u = if_not_exists(#u, :zero) + :k, tat = :k",
            ExpressionAttributeNames={"#u": "u#source"},
            ExpressionAttributeValues={":zero": {"N": "0"}, ":k": {"N": "2"}})


def test_concurrent_updates_creating_one_item_all_count(aws_endpoint: str) -> None:
    dynamodb = client("dynamodb", AwsSettings(endpoint_url=aws_endpoint))
    table = f"atomic-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                     {"AttributeName": "sk", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "sk", "AttributeType": "S"}])
    spawn = multiprocessing.get_context("spawn")  # not fork: this process runs threads (the emulator)
    barrier = spawn.Barrier(PROCESSES)
    takers = [spawn.Process(target=_take, args=(aws_endpoint, table, barrier)) for _ in range(PROCESSES)]
    for taker in takers:
        taker.start()
    for taker in takers:
        taker.join(120)
        assert taker.exitcode == 0
    counted = [float(dynamodb.get_item(TableName=table, ConsistentRead=True,
                                       Key={"pk": {"S": f"budget#{r}"}, "sk": {"S": "bucket"}})["Item"]["u#source"]["N"])
               for r in range(ROUNDS)]
    assert sum(counted) == 2 * PROCESSES * ROUNDS, f"{(2 * PROCESSES * ROUNDS - sum(counted)) / 2:.0f} updates lost"
