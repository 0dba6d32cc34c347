"""Sinks: stage a page under a deterministic private name, then publish it atomically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.config import SinkSettings
from worker.sinks.base import Sink
from worker.sinks.file_sink import FileSink


def open_sink(settings: SinkSettings, s3_client_factory: Callable[[], Any] | None = None) -> Sink:
    if settings.url.startswith("file://"):
        return FileSink(settings.url.removeprefix("file://"), compression=settings.compression or "none")
    from worker.sinks.s3_sink import S3Sink

    if s3_client_factory is None:
        raise ValueError("an s3:// sink needs an S3 client")
    return S3Sink.from_url(settings.url, settings.compression or "gzip", s3_client_factory,
                           settings.kms_key_id)
