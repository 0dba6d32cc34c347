"""Sinks: stage a page under a deterministic private name, then publish it atomically."""

from __future__ import annotations

from shared.config import SinkSettings
from worker.sinks.base import Sink
from worker.sinks.file_sink import FileSink


def open_sink(settings: SinkSettings, s3_client_factory: object = None) -> Sink:
    if settings.url.startswith("file://"):
        return FileSink(settings.url.removeprefix("file://"), compression=settings.compression or "none")
    from worker.sinks.s3_sink import S3Sink

    return S3Sink.from_url(settings.url, compression=settings.compression or "gzip", client_factory=s3_client_factory)
