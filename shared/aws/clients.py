"""boto3 clients built from the ``[aws]`` settings.

``endpoint_url`` in the config wins (``dynamodb_endpoint_url`` over it for DynamoDB alone);
otherwise boto3 itself honours ``AWS_ENDPOINT_URL`` (and the per-service
``AWS_ENDPOINT_URL_DYNAMODB``, ``AWS_ENDPOINT_URL_SQS`` etc.), so the same commands run
against LocalStack, a moto server, a DynamoDB engine of its own or real AWS.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from shared.config import AwsSettings

_BOTO_CONFIG = Config(
    retries={"max_attempts": 8, "mode": "adaptive"},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=20,
)

# The start-up lookups (does the queue, the table exist?): an endpoint that accepts
# connections and never answers ends a command in seconds, not 8 attempts x 30 s
STARTUP_CONFIG = Config(
    retries={"max_attempts": 2, "mode": "standard"},
    connect_timeout=5,
    read_timeout=5,
)


@cache
def _session(region: str) -> boto3.session.Session:
    return boto3.session.Session(region_name=region)


def client(service: str, aws: AwsSettings, config: Config = _BOTO_CONFIG) -> Any:
    """A boto3 client for ``service`` (sqs, dynamodb, s3, ...)."""
    return _session(aws.region).client(  # type: ignore[call-overload]  # (stubs name each service literally)
        service, endpoint_url=endpoint_for(service, aws), config=config
    )


def endpoint_for(service: str, aws: AwsSettings) -> str | None:
    """The configured endpoint of ``service``; None leaves the choice to boto3 (env, AWS)."""
    if service == "dynamodb" and aws.dynamodb_endpoint_url:
        return aws.dynamodb_endpoint_url
    return aws.endpoint_url
