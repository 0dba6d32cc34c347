"""Credentials from AWS Secrets Manager or SSM Parameter Store, cached per container.

The value is never logged; errors name the secret, never its content.
"""

from __future__ import annotations

from functools import lru_cache

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws.clients import client
from shared.config import AwsSettings
from shared.errors import PermanentError


class SecretLoader:
    def __init__(self, aws: AwsSettings) -> None:
        self._aws = aws

    def load(self, kind: str, name: str) -> str:
        return _cached_secret(self._aws, kind, name)


@lru_cache(maxsize=32)
def _cached_secret(aws: AwsSettings, kind: str, name: str) -> str:
    try:
        if kind == "secretsmanager":
            response = client("secretsmanager", aws).get_secret_value(SecretId=name)
            return str(response.get("SecretString") or response["SecretBinary"].decode("utf-8"))
        if kind == "ssm":
            response = client("ssm", aws).get_parameter(Name=name, WithDecryption=True)
            return str(response["Parameter"]["Value"])
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        raise PermanentError(
            f"could not read credentials {kind}:{name} ({code or type(exc).__name__})",
            reason="credentials_unavailable",
        ) from None
    raise PermanentError(f"unknown credentials kind {kind!r}", reason="bad_credentials")
