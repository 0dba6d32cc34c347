"""Each service's endpoint: the state table can live on a DynamoDB engine of its own
while SQS and S3 stay on another endpoint (tests/engines.py, README "Tests")."""

from __future__ import annotations

import pytest

from shared.aws.clients import client
from shared.config import AwsSettings


def endpoint(service: str, aws: AwsSettings) -> str:
    return str(client(service, aws).meta.endpoint_url)


def test_dynamodb_endpoint_url_is_for_dynamodb_alone() -> None:
    aws = AwsSettings(endpoint_url="http://127.0.0.1:5000", dynamodb_endpoint_url="http://127.0.0.1:8000")
    assert endpoint("dynamodb", aws) == "http://127.0.0.1:8000"
    assert endpoint("sqs", aws) == endpoint("s3", aws) == "http://127.0.0.1:5000"


def test_without_it_dynamodb_uses_endpoint_url() -> None:
    assert endpoint("dynamodb", AwsSettings(endpoint_url="http://127.0.0.1:5000")) == "http://127.0.0.1:5000"


def test_the_environment_standard_holds_when_the_config_names_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")
    assert endpoint("dynamodb", AwsSettings()) == "http://127.0.0.1:8000"
    assert endpoint("sqs", AwsSettings()) == "http://127.0.0.1:4566"
