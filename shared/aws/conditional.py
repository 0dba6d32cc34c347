"""One conditional ``UpdateItem``: True if written, False if its condition did not hold."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import AwsError


def update_if(client: Any, what: str, **request: Any) -> bool:
    """``client.update_item(**request)``; a failed condition is an answer (False), any
    other failure an AwsError naming ``what``."""
    try:
        client.update_item(**request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise AwsError(f"{what} failed: {exc}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"{what} failed: {exc}") from exc
    return True
