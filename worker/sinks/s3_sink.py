"""``s3://bucket/prefix`` sink: staged objects written once to deterministic committed keys.

Same protocol as the file sink (see worker.sinks.base): ``stage`` puts
``<prefix>/_staging/…`` (private; overwritten by a re-read), ``publish`` reads the
accepted staged object and puts its bytes to the committed key with ``If-None-Match: *``,
then deletes the staged one. The committed key is written at most once: a re-publish (a
crash or a lost answer between the put and the delete, botocore's own retry of a put
whose answer was lost, two workers rolling the same part forward) gets 412
PreconditionFailed, which means "already published". A plain copy would write the key
again: a second version in a versioned bucket and a second event notification, i.e. a
part a SIEM ingests twice. Optional SSE-KMS on every object written.
"""

from __future__ import annotations

import gzip
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import AwsError, LogpullError, SinkUnwritable
from shared.models import WindowKey
from shared.sink_reader import list_keys, parse_lines
from worker.sinks.base import committed_name, part_wanted, staged_name, staging_prefix, window_prefix


_MISSING = {"404", "NoSuchKey", "NotFound"}
_CONFLICT_TRIES = 5  # 409 ConditionalRequestConflict: a concurrent conditional write


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
        target, source = self._key(committed_name(key, seq, self.suffix)), self._key(staged)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=source)["Body"].read()
        except ClientError as exc:
            if _code(exc) in _MISSING and self._exists(target):
                return  # published (and the staged object removed) before a crash
            raise AwsError(f"S3 publish of {staged} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"S3 publish of {staged} failed: {exc}") from exc
        self._put_once(target, body, staged)
        self._call("delete_object", Bucket=self.bucket, Key=source)  # a missing key is fine

    def _put_once(self, target: str, body: bytes, staged: str) -> None:
        """Create ``target`` unless it exists; never write a second version of it."""
        for attempt in range(_CONFLICT_TRIES):
            try:
                self.client.put_object(Bucket=self.bucket, Key=target, Body=body, IfNoneMatch="*",
                                       ContentType="application/x-ndjson", **self._encryption)
                return
            except ClientError as exc:
                code = _code(exc)
                if code in {"PreconditionFailed", "412"}:
                    return  # already published (by us, a retry of ours, or another worker)
                if code not in {"ConditionalRequestConflict", "409"}:
                    raise AwsError(f"S3 publish of {staged} failed: {exc}") from exc
            except BotoCoreError as exc:
                raise AwsError(f"S3 publish of {staged} failed: {exc}") from exc
            if self._exists(target):
                return  # the concurrent write that conflicted with ours has landed
            time.sleep(0.05 * 2**attempt)
        raise AwsError(f"S3 publish of {staged} failed: conditional writes to {target} kept conflicting")

    def published(self, key: WindowKey, seq: int) -> bool:
        return self._exists(self._key(committed_name(key, seq, self.suffix)))

    def holds(self, name: str) -> bool:
        """An object (e.g. a staged part) is there under ``name``."""
        return self._exists(self._key(name))

    def cleanup(self, key: WindowKey) -> None:
        for name in self._list(self._key(staging_prefix(key))):
            self._call("delete_object", Bucket=self.bucket, Key=name)

    def committed_items(self, key: WindowKey, since: int | None = None) -> Iterable[dict[str, Any]]:
        for name in sorted(self._list(self._key(window_prefix(key) + "_p"))):
            if not part_wanted(name, key, since):
                continue
            body = self._call("get_object", Bucket=self.bucket, Key=name)["Body"].read()
            if name.endswith(".gz"):
                body = gzip.decompress(body)
            yield from parse_lines(body)

    def probe(self) -> None:
        """Write and delete a small private object; raise ``SinkUnwritable`` if either fails."""
        name = self._key(f"_probe/{uuid.uuid4().hex}")
        self._probe_call("write", name, "put_object", Body=b"logpull probe\n", **self._encryption)
        self._probe_call("delete", name, "delete_object")

    def _probe_call(self, action: str, name: str, operation: str, **kwargs: Any) -> None:
        try:
            getattr(self.client, operation)(Bucket=self.bucket, Key=name, **kwargs)
        except ClientError as exc:
            raise SinkUnwritable(f"sink {self.url} is not writable: cannot {action} {name}: "
                                 f"{_cause(exc, self.bucket)}") from None
        except BotoCoreError as exc:
            raise AwsError(f"sink {self.url}: cannot {action} {name}: {exc}") from None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _list(self, prefix: str) -> list[str]:
        try:
            return list_keys(self.client, self.bucket, prefix)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"S3 list_objects_v2 on {self.bucket} failed: {exc}") from exc

    def _exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise AwsError(f"S3 head_object {name} failed: {exc}") from exc
        return True

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"S3 {operation} on {self.bucket} failed: {exc}") from exc


def _cause(exc: ClientError, bucket: str) -> str:
    code = _code(exc)
    if code == "NoSuchBucket":
        # `init` creates a bucket only when asked: a hint that sent there alone would loop
        return (f"bucket {bucket} does not exist (create it, or set create_bucket = true under [sink] "
                "and run `logpull init`)")
    if code in {"AccessDenied", "403", "AllAccessDisabled"}:
        return "access denied (the role needs s3:PutObject and s3:DeleteObject on the prefix)"
    if code in {"KMS.NotFoundException", "KMS.DisabledException", "KMSInvalidStateException"}:
        return f"the KMS key cannot be used ({code})"
    message = exc.response.get("Error", {}).get("Message", "")
    return f"{code}: {message}" if message else code or str(exc)


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
