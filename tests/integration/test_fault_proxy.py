"""The fault proxy (tests/faultproxy.py) against the moto server, with logpull's own boto3
config: refusals are retried by botocore, a lost answer means the write happened and the
request is sent again, and the fault sequence is a function of the seed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from faultproxy import FaultProxy, Rates

from shared.aws.clients import client
from shared.config import AwsSettings

pytestmark = pytest.mark.integration


def through(proxy: FaultProxy, service: str) -> Any:
    return client(service, AwsSettings(endpoint_url=proxy.url))


def test_faults_off_is_a_transparent_proxy(fault_proxy: FaultProxy, make_stack: Callable[..., Any]) -> None:
    stack = make_stack(sink="s3")
    bucket = stack.settings.sink.url.removeprefix("s3://").split("/")[0]
    s3 = through(fault_proxy, "s3")
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    s3.copy_object(Bucket=bucket, Key="a/c.txt", CopySource={"Bucket": bucket, "Key": "a/b.txt"})
    assert s3.head_object(Bucket=bucket, Key="a/c.txt")["ContentLength"] == 5
    assert s3.get_object(Bucket=bucket, Key="a/c.txt")["Body"].read() == b"hello"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="a/")
    assert [o["Key"] for o in listed["Contents"]] == ["a/b.txt", "a/c.txt"]
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="a/none")
    assert missing.value.response["Error"]["Code"] == "404"
    sqs = through(fault_proxy, "sqs")
    url = sqs.get_queue_url(QueueName=stack.settings.aws.queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])] == ["x"]
    assert fault_proxy.faults() == 0
    assert fault_proxy.requests[("s3", "CopyObject")] == 1
    assert fault_proxy.requests[("sqs", "SendMessage")] == 1


def test_refusals_are_retried_by_botocore(fault_proxy: FaultProxy, make_stack: Callable[..., Any]) -> None:
    stack = make_stack(sink="s3")
    bucket = stack.settings.sink.url.removeprefix("s3://").split("/")[0]
    fault_proxy.only = {"dynamodb:PutItem", "sqs:SendMessage", "s3:PutObject"}
    fault_proxy.planned = ["refuse", "refuse"]
    through(fault_proxy, "dynamodb").put_item(TableName=stack.settings.aws.table_name,
                                              Item={"pk": {"S": "p"}, "sk": {"S": "s"}})
    fault_proxy.planned = ["refuse"]
    sqs = through(fault_proxy, "sqs")
    sqs.send_message(QueueUrl=stack.queue.url(), MessageBody="once")
    fault_proxy.planned = ["refuse"]
    through(fault_proxy, "s3").put_object(Bucket=bucket, Key="k", Body=b"v")

    assert fault_proxy.faults("refuse") == 4
    assert fault_proxy.requests[("dynamodb", "PutItem")] == 3
    assert fault_proxy.requests[("sqs", "SendMessage")] == 2
    assert fault_proxy.requests[("s3", "PutObject")] == 2
    assert stack.queue.counts().visible == 1  # a refused request never reached the queue
    direct = client("s3", stack.settings.aws)
    assert direct.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_a_lost_answer_means_the_write_happened_and_botocore_sent_it_again(
    fault_proxy: FaultProxy, make_stack: Callable[..., Any]
) -> None:
    stack = make_stack()
    table = stack.settings.aws.table_name
    fault_proxy.only = {"dynamodb:PutItem", "sqs:SendMessage"}
    fault_proxy.planned = ["lose"]
    dynamodb = through(fault_proxy, "dynamodb")
    item = {"pk": {"S": "p"}, "sk": {"S": uuid.uuid4().hex}}
    # a conditional write whose answer was lost fails its own condition on the retry
    with pytest.raises(ClientError) as failed:
        dynamodb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    direct = client("dynamodb", stack.settings.aws)
    assert direct.get_item(TableName=table, Key=item, ConsistentRead=True)["Item"] == item
    # a message sent once and answered lost is in the queue twice
    fault_proxy.planned = ["lose"]
    through(fault_proxy, "sqs").send_message(QueueUrl=stack.queue.url(), MessageBody="task")
    assert stack.queue.counts().visible == 2
    assert fault_proxy.faults("lose") == 2
    assert fault_proxy.requests[("dynamodb", "PutItem")] == 2


def test_faults_are_limited_to_the_operations_named(fault_proxy: FaultProxy,
                                                    make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    fault_proxy.only = {"sqs:DeleteMessage"}
    fault_proxy.rates = Rates(refuse=1.0)
    through(fault_proxy, "dynamodb").put_item(TableName=stack.settings.aws.table_name,
                                              Item={"pk": {"S": "p"}, "sk": {"S": "s"}})
    assert fault_proxy.faults() == 0
    sqs = through(fault_proxy, "sqs")
    sqs.send_message(QueueUrl=stack.queue.url(), MessageBody="m")
    handle = sqs.receive_message(QueueUrl=stack.queue.url())["Messages"][0]["ReceiptHandle"]
    fault_proxy.enabled = False
    sqs.delete_message(QueueUrl=stack.queue.url(), ReceiptHandle=handle)
    assert fault_proxy.faults() == 0
    fault_proxy.enabled = True
    fault_proxy.rates = Rates(refuse=0.5)
    sqs.send_message(QueueUrl=stack.queue.url(), MessageBody="m")
    handle = sqs.receive_message(QueueUrl=stack.queue.url())["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=stack.queue.url(), ReceiptHandle=handle)
    assert fault_proxy.faults() == fault_proxy.faults("refuse", ["sqs:DeleteMessage"]) > 0


def test_the_fault_sequence_is_a_function_of_the_seed() -> None:
    def sequence(seed: int) -> list[tuple[str | None, float]]:
        proxy = FaultProxy("http://127.0.0.1:9", seed=seed, rates=Rates(refuse=0.2, lose=0.2, delay=0.2))
        return [proxy.decide("dynamodb", "UpdateItem") for _ in range(200)]

    assert sequence(7) == sequence(7)
    assert sequence(7) != sequence(8)
    kinds = [kind for kind, _ in sequence(7)]
    assert {kind: kinds.count(kind) for kind in ("refuse", "lose", "delay")} == pytest.approx(
        {"refuse": 40, "lose": 40, "delay": 40}, abs=20)
