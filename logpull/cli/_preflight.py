"""What a command checks before its first API call: the sink takes a write, the AWS
resources exist, and which sources have nothing due yet."""

from __future__ import annotations

from datetime import datetime

import click

from shared.config import Settings, SourceSettings
from shared.timeutil import format_instant, from_epoch

PROBE_PREFIX = "_probe"  # a private name: consumers of the sink ignore it (CONTRACT.md)
_FIX = "check the path, its owner and permissions"


def probe_sink(settings: Settings) -> None:
    """Write and delete a probe object in the sink (``Sink.probe``); SinkUnwritable names it."""
    from shared.aws.clients import STARTUP_CONFIG, client
    from worker.sinks import open_sink

    open_sink(settings.sink, lambda: client("s3", settings.aws, STARTUP_CONFIG)).probe()


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
