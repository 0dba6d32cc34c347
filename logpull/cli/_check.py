"""``logpull check``: everything a run needs, tried once, one line per check.

It validates the config, looks up the queue, DLQ and table, writes and deletes a probe
object in the sink and makes one small authenticated request per source (a page of one
item over the last minute). It records no window, enqueues nothing and writes nothing to
the committed output."""

from __future__ import annotations

import time
from datetime import timedelta

import click

from shared.config import Settings, SourceSettings, load_settings
from shared.errors import ConfigError, LogpullError, PermanentError, RetryableError
from shared.timeutil import from_epoch

PROBE_SPAN = timedelta(minutes=1)
REQUEST_TIMEOUT = 15.0
_AUTH_REASONS = {"http_401", "http_403", "auth_failed", "bad_credentials", "credentials_unavailable"}


class Report:
    def __init__(self) -> None:
        self.failed = 0

    def ok(self, what: str) -> None:
        click.echo(f"ok   {what}")

    def warn(self, what: str) -> None:
        click.echo(f"warn {what}")

    def note(self, what: str) -> None:
        click.echo(f"note {what}")

    def fail(self, what: str, cause: str, fix: str) -> None:
        self.failed += 1
        click.echo(f"FAIL {what}: {cause} — {fix}")


def check(config: str | None) -> int:
    """Run every check; 0 if all hold, 1 if one failed, 2 for an invalid config."""
    report = Report()
    try:
        settings = load_settings(config, require_sources=True)
    except ConfigError as exc:
        report.fail("config", exc.message, exc.hint or "fix it and run `logpull check` again")
        return 2
    origin = config or "LOGPULL_* variables"
    report.ok(f"config {origin}: {len(settings.sources)} source(s), sink {settings.sink.url}")
    if _check_aws(settings, report):
        _explain_changes(settings, report)
    _check_sink(settings, report)
    now = time.time()
    _warn_future(settings, now, report)
    for source in settings.sources:
        _check_source(source, settings, now, report)
    return 1 if report.failed else 0


def _check_aws(settings: Settings, report: Report) -> bool:
    """Whether every AWS resource is there."""
    from shared.aws.resources import resources

    where = settings.aws.endpoint_url or f"AWS {settings.aws.region}"
    try:
        found = resources(settings)
    except LogpullError as exc:
        report.fail(f"aws {where}", exc.message, "check [aws] endpoint_url and region, and the AWS credentials")
        return False
    for what, exists in found:
        if exists:
            report.ok(what)
        else:
            report.fail(what, "does not exist", "run `logpull init`")
    return all(exists for _, exists in found)


def _explain_changes(settings: Settings, report: Report) -> None:
    """One line per edit of a source's config against its recorded windows (README,
    "Editing the config"): reads three small items per source, writes nothing."""
    from logpull.cli._ports import aws_ports
    from orchestrator.config_changes import changes, recorded_state

    store, _ = aws_ports(settings)
    for source in settings.sources:
        try:
            lines = changes(source, recorded_state(store, source))
        except LogpullError as exc:
            report.warn(f"source {source.id}: recorded state not read: {exc.message}")
            continue
        for line in lines:
            report.note(f"source {source.id}: {line}")


def _check_sink(settings: Settings, report: Report) -> None:
    from logpull.cli._preflight import probe_sink

    try:
        probe_sink(settings)
    except LogpullError as exc:
        what, _, cause = exc.message.partition(": ")
        report.fail(what, cause or exc.message, exc.hint or "check the sink's address and access")
        return
    report.ok(f"sink {settings.sink.url}: wrote and deleted a probe object")
    if settings.sink.ocsf_url is not None:
        report.ok(f"sink {settings.sink.ocsf_url} (OCSF): wrote and deleted a probe object")


def _warn_future(settings: Settings, now: float, report: Report) -> None:
    from logpull.cli._preflight import future_start_warning, not_due_yet

    for source, due in not_due_yet(settings, now):
        report.warn(future_start_warning(source, due))


def _check_source(source: SourceSettings, settings: Settings, now: float, report: Report) -> None:
    from worker.context import build_source
    from worker.sources.base import Query

    what = f"source {source.id} ({source.kind})"
    end = from_epoch(int(now))
    try:
        api = build_source(source.model_copy(update={"page_size": 1}), settings)
        api.fetch(Query(end - PROBE_SPAN, end), None, REQUEST_TIMEOUT)
    except LogpullError as exc:
        report.fail(what, exc.message, exc.hint or _source_fix(exc, source))
        return
    except Exception as exc:  # noqa: BLE001 - a third-party source may raise anything; one line, not a traceback
        report.fail(what, f"{type(exc).__name__}: {str(exc)[:200]}", "see the source's documentation")
        return
    report.ok(f"{what}: an authenticated request was answered")


def _source_fix(exc: LogpullError, source: SourceSettings) -> str:
    if isinstance(exc, PermanentError) and exc.reason in _AUTH_REASONS:
        return f"check credentials = {source.credentials!r} and what it is allowed to read"
    if isinstance(exc, RetryableError):
        return "check api_endpoint and the network, then run `logpull check` again"
    return "check the source's settings"
