"""What a command checks before its first API call: the sink takes a write, the AWS
resources exist, and which sources have nothing due yet.

``probe_sink`` is a stand-in for a ``Sink.probe()`` method: once the sinks have one,
call it here instead (the errors it raises are the same ``SinkUnwritable``)."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from shared.config import Settings, SourceSettings
from shared.errors import AwsError, SinkUnwritable
from shared.timeutil import format_instant, from_epoch

PROBE_PREFIX = "_probe"  # a private name: consumers of the sink ignore it (CONTRACT.md)
_FIX = "check the path, its owner and permissions"


def probe_sink(settings: Settings) -> None:
    """Write and delete ``_probe/<uuid>`` in the sink; raise SinkUnwritable naming it."""
    url = settings.sink.url
    name = f"{PROBE_PREFIX}/{uuid.uuid4().hex}"
    if url.startswith("file://"):
        _probe_file(url, Path(url.removeprefix("file://")), name)
    else:
        _probe_s3(settings, name)


def _probe_file(url: str, root: Path, name: str) -> None:
    """The probe leaves nothing behind: directories it had to create go again."""
    path = root.absolute() / name
    created = [p for p in path.parents if not p.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"logpull probe\n")
        path.unlink()
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        raise SinkUnwritable(f"sink {url}: cannot be written: {cause} ({exc.filename or path})",
                             hint=_FIX) from None
    finally:
        for directory in created:  # deepest first; another command's probe may be in one
            with contextlib.suppress(OSError):
                directory.rmdir()


def _probe_s3(settings: Settings, name: str) -> None:
    from shared.aws.clients import client
    from worker.sinks.s3_sink import split_url

    url = settings.sink.url
    bucket, prefix = split_url(url)
    key = f"{prefix}/{name}" if prefix else name
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": settings.sink.kms_key_id} \
        if settings.sink.kms_key_id else {}
    s3 = client("s3", settings.aws)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"logpull probe\n", **extra)
        s3.delete_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in {"NoSuchBucket", "404"}:
            raise SinkUnwritable(f"sink {url}: cannot be written: bucket {bucket} does not exist",
                                 hint="create it, or set [sink] create_bucket = true and run `logpull init`") from None
        raise SinkUnwritable(f"sink {url}: cannot be written: {code or exc}",
                             hint="check the bucket policy and this role's s3:PutObject/DeleteObject") from None
    except BotoCoreError as exc:
        raise AwsError(f"sink {url}: S3 did not answer: {exc}") from None


def first_due(source: SourceSettings) -> datetime:
    """When the source's first window is due (its end plus ``settle``)."""
    return source.start + source.window + source.settle


def not_due_yet(settings: Settings, now: float) -> list[tuple[SourceSettings, datetime]]:
    """Sources whose ``start`` is in the future, with when their first window is due."""
    at = from_epoch(now)
    return [(source, first_due(source)) for source in settings.sources if source.start > at]


def future_start_warning(source: SourceSettings, due: datetime) -> str:
    return (f"source {source.id}: start {format_instant(source.start)} is in the future; "
            f"nothing is due until {format_instant(due)}")


def warn_future_starts(settings: Settings, now: float) -> None:
    for source, due in not_due_yet(settings, now):
        click.echo(f"logpull: warning: {future_start_warning(source, due)}", err=True)
