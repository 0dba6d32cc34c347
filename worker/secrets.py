"""Credentials from a file, AWS Secrets Manager or SSM Parameter Store, cached per
process for at most ``MAX_AGE`` (then read again, so a rotated secret is picked up).

Every value read is registered with ``shared.redact`` before anything else sees it, so
it is masked wherever it might surface (logs, errors kept in DynamoDB or the DLQ).
Errors name the secret, never its content.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from shared import redact
from shared.aws.clients import client
from shared.config import AwsSettings
from shared.errors import PermanentError, RetryableError
from worker.sources.base import read_file

MAX_AGE = 15 * 60.0  # seconds a secret is used before it is read again
# AWS answers that say "not now" rather than "no": the task is handed back, the source stays healthy
_TRANSIENT_CODES = frozenset({"ThrottlingException", "InternalServiceError", "InternalServerError",
                              "ServiceUnavailable", "RequestLimitExceeded", "TooManyRequestsException"})


@dataclass(frozen=True)
class _Entry:
    value: str
    read_at: float


class SecretCache:
    """Secrets by ``(kind, name)``, each read again once it is ``max_age`` old."""

    def __init__(self, aws: AwsSettings, max_age: float = MAX_AGE,
                 clock: Callable[[], float] = time.monotonic,
                 read: Callable[[str, str], str] | None = None) -> None:
        self._aws, self.max_age, self._clock = aws, max_age, clock
        self._read = read or self._read_secret
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def load(self, kind: str, name: str) -> str:
        now = self._clock()
        with self._lock:
            entry = self._entries.get((kind, name))
        if entry is not None and now - entry.read_at < self.max_age:
            return entry.value
        value = self._read(kind, name)
        redact.register(value)
        with self._lock:
            self._entries[(kind, name)] = _Entry(value, now)
        return value

    def forget(self, kind: str, name: str) -> None:
        """Read it again next time (e.g. after the API refused it)."""
        with self._lock:
            self._entries.pop((kind, name), None)

    def _read_secret(self, kind: str, name: str) -> str:
        if kind == "file":
            return read_file(kind, name)
        try:
            if kind == "secretsmanager":
                response = client("secretsmanager", self._aws).get_secret_value(SecretId=name)
                return str(response.get("SecretString") or response["SecretBinary"].decode("utf-8"))
            if kind == "ssm":
                response = client("ssm", self._aws).get_parameter(Name=name, WithDecryption=True)
                return str(response["Parameter"]["Value"])
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _TRANSIENT_CODES:
                raise RetryableError(f"could not read credentials {kind}:{name} ({code})") from None
            raise PermanentError(f"could not read credentials {kind}:{name} ({code or 'ClientError'})",
                                 reason="credentials_unavailable") from None
        except BotoCoreError as exc:  # the service did not answer: not the secret's fault
            raise RetryableError(f"could not read credentials {kind}:{name} ({type(exc).__name__})") from None
        raise PermanentError(f"unknown credentials kind {kind!r}", reason="bad_credentials")


_caches: dict[AwsSettings, SecretCache] = {}
_caches_lock = threading.Lock()


def cache_for(aws: AwsSettings) -> SecretCache:
    """The process's cache for these AWS settings (shared by every thread and source)."""
    with _caches_lock:
        return _caches.setdefault(aws, SecretCache(aws))


class SecretLoader:
    """What a source factory gets: ``load(kind, name)`` (``file``, ``secretsmanager``, ``ssm``)."""

    def __init__(self, aws: AwsSettings, cache: SecretCache | None = None) -> None:
        self._cache = cache or cache_for(aws)

    def load(self, kind: str, name: str) -> str:
        return self._cache.load(kind, name)
