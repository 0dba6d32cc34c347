"""Sinks: stage a page under a deterministic private name, then publish it atomically."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.config import SinkSettings
from worker.sinks.base import Sink
from worker.sinks.file_sink import FileSink

if TYPE_CHECKING:
    from worker.sinks.s3_sink import S3Sink


def open_sink(settings: SinkSettings, s3_client_factory: Callable[[], Any] | None = None,
              ocsf_root: str | None = None) -> Sink:
    """The sink of ``settings.url``; with ``ocsf_url`` (or ``ocsf_root`` instead: a root a
    checkpoint names), a pair that writes both roots (``worker.sinks.ocsf_tee``)."""
    raw, raw_suffix = _open(settings.url, settings, s3_client_factory)
    ocsf_url = ocsf_root or settings.ocsf_url
    if ocsf_url is None:
        return raw
    from worker.sinks.ocsf_tee import OcsfTeeSink

    ocsf, ocsf_suffix = _open(ocsf_url, settings, s3_client_factory)
    return OcsfTeeSink(raw, ocsf, raw_suffix, ocsf_suffix, raw_data=settings.ocsf_raw,
                       ocsf_url=ocsf_url)


def _open(url: str, settings: SinkSettings,
          s3_client_factory: Callable[[], Any] | None) -> tuple[FileSink | S3Sink, str]:
    if url.startswith("file://"):
        sink = FileSink(url.removeprefix("file://"), compression=settings.compression or "none")
        return sink, sink.suffix
    from worker.sinks.s3_sink import S3Sink

    if s3_client_factory is None:
        raise ValueError("an s3:// sink needs an S3 client")
    s3 = S3Sink.from_url(url, settings.compression or "gzip", s3_client_factory, settings.kms_key_id)
    return s3, s3.suffix
