"""The list of sources read from an SSM parameter or an S3 object (``sources_from``),
for deployments whose ``SourcesJson`` would pass CloudFormation's 4 KB parameter limit.

Only the text is read here; ``shared.config`` parses and validates it. Errors name the
parameter or object, never its content.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import AwsError, ConfigError

_BOTO_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30)
# the operator must fix these (a name, a grant), so they are configuration errors (exit 2)
_NOT_THERE = frozenset({"ParameterNotFound", "ParameterVersionNotFound", "NoSuchKey", "NoSuchBucket", "404",
                        "AccessDenied", "AccessDeniedException", "403", "InvalidKeyId", "KMS.AccessDeniedException"})


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def read_sources(origin: str, region: str, endpoint_url: str | None) -> str:
    """The text of ``ssm:NAME`` (decrypted) or ``s3://bucket/key``."""
    session = boto3.session.Session(region_name=region)
    try:
        if origin.startswith("ssm:"):
            ssm: Any = session.client("ssm", endpoint_url=endpoint_url, config=_BOTO_CONFIG)
            response = ssm.get_parameter(Name=origin.removeprefix("ssm:"), WithDecryption=True)
            return str(response["Parameter"]["Value"])
        s3: Any = session.client("s3", endpoint_url=endpoint_url, config=_BOTO_CONFIG)
        bucket, key = split_s3_uri(origin)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return bytes(body).decode("utf-8")
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "")) or "ClientError"
        if code in _NOT_THERE:
            raise ConfigError(f"sources_from {origin}: cannot read it ({code}): check the name and that this "
                              "role may read it") from None
        raise AwsError(f"sources_from {origin}: could not read it ({code})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"sources_from {origin}: not UTF-8 text (it takes a JSON list of source tables)") from None
    except BotoCoreError as exc:
        raise AwsError(f"sources_from {origin}: could not read it ({type(exc).__name__})") from None
