"""``s3://bucket/prefix`` sink: staged objects copied to deterministic committed keys.

Same protocol as the file sink (see worker.sinks.base): ``stage`` puts
``<prefix>/_staging/…`` (private; overwritten by a re-read), ``publish`` copies the
accepted staged object to its committed key and deletes the staged one. A copy is atomic
per object and re-copying the same bytes to the same key is harmless, so publish is
idempotent. Optional SSE-KMS on every object written.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import AwsError, LogpullError
from shared.models import WindowKey
from shared.sink_reader import list_keys, parse_lines
from worker.sinks.base import committed_name, staged_name, staging_prefix, window_prefix


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def split_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise LogpullError(f"sink url {url!r} is not s3://bucket/prefix")
    return parts.netloc, parts.path.strip("/")


class S3Sink:
    def __init__(self, client: Any, bucket: str, prefix: str, compression: str = "gzip",
                 kms_key_id: str | None = None) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.suffix = ".jsonl.gz" if compression == "gzip" else ".jsonl"
        self._encryption: dict[str, str] = (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
        )

    @classmethod
    def from_url(cls, url: str, compression: str, client_factory: Callable[[], Any],
                 kms_key_id: str | None = None) -> S3Sink:
        bucket, prefix = split_url(url)
        return cls(client_factory(), bucket, prefix, compression, kms_key_id)

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def stage(self, key: WindowKey, seq: int, owner: str, data: bytes) -> str:
        name = staged_name(key, seq, owner, self.suffix)
        body = data
        if self.suffix.endswith(".gz"):
            body = gzip.compress(body, compresslevel=5, mtime=0)
        self._call("put_object", Bucket=self.bucket, Key=self._key(name), Body=body,
                   ContentType="application/x-ndjson", **self._encryption)
        return name

    def publish(self, key: WindowKey, seq: int, staged: str) -> None:
        target = self._key(committed_name(key, seq, self.suffix))
        try:
            self.client.copy_object(Bucket=self.bucket, Key=target,
                                    CopySource={"Bucket": self.bucket, "Key": self._key(staged)},
                                    **self._encryption)
        except ClientError as exc:
            if _code(exc) in {"NoSuchKey", "404"} and self._exists(target):
                return  # published (and the staged object removed) before a crash
            raise AwsError(f"S3 publish of {staged} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"S3 publish of {staged} failed: {exc}") from exc
        self._call("delete_object", Bucket=self.bucket, Key=self._key(staged))

    def published(self, key: WindowKey, seq: int) -> bool:
        return self._exists(self._key(committed_name(key, seq, self.suffix)))

    def cleanup(self, key: WindowKey) -> None:
        for name in self._list(self._key(staging_prefix(key))):
            self._call("delete_object", Bucket=self.bucket, Key=name)

    def committed_items(self, key: WindowKey) -> Iterable[dict[str, Any]]:
        for name in sorted(self._list(self._key(window_prefix(key) + "_p"))):
            body = self._call("get_object", Bucket=self.bucket, Key=name)["Body"].read()
            if name.endswith(".gz"):
                body = gzip.decompress(body)
            yield from parse_lines(body)

    def _list(self, prefix: str) -> list[str]:
        try:
            return list_keys(self.client, self.bucket, prefix)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"S3 list_objects_v2 on {self.bucket} failed: {exc}") from exc

    def _exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise AwsError(f"S3 head_object {name} failed: {exc}") from exc
        return True

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"S3 {operation} on {self.bucket} failed: {exc}") from exc


def ensure_bucket(client: Any, url: str) -> str:
    """Create the bucket if it does not exist (local emulators, first runs). An existing
    bucket is left exactly as it is: no policy, encryption or ACL change."""
    bucket, _ = split_url(url)
    try:
        client.head_bucket(Bucket=bucket)
        return bucket
    except ClientError as exc:
        if _code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
            raise AwsError(f"S3 bucket {bucket} is not accessible: {exc}") from exc
    region = client.meta.region_name
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**kwargs)
        client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    except (ClientError, BotoCoreError) as exc:
        raise AwsError(f"could not create S3 bucket {bucket}: {exc}") from exc
    return bucket
