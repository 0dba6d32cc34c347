"""Sources are found by ``kind`` through the ``logpull.sources`` entry points, so a third
party adds one with a package of its own (README: "Adding a source"). A factory is
``factory(source: SourceSettings, secrets: SecretLoader) -> Source``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from shared.errors import PermanentError

GROUP = "logpull.sources"
# What this package registers itself; also used when the package metadata is missing
# (running from a source tree that was never installed).
BUILTIN = {
    "google_reports": "worker.sources.google_reports:create",
    "okta_system_log": "worker.sources.okta:create",
    **{kind: "worker.sources.http:create" for kind in (
        "http", "github_audit_log", "slack_audit_logs", "onepassword_events",
        "atlassian_org_audit", "microsoft_graph_audit")},
}


def _load(target: str) -> Callable[..., Any]:
    module, _, attr = target.partition(":")
    factory: Callable[..., Any] = getattr(import_module(module), attr)
    return factory


def factory_for(kind: str) -> Callable[..., Any]:
    for entry in entry_points(group=GROUP):
        if entry.name == kind:
            loaded: Callable[..., Any] = entry.load()
            return loaded
    if kind in BUILTIN:
        return _load(BUILTIN[kind])
    raise PermanentError(f"no source of kind {kind!r} is installed", reason="unknown_source_kind")


def preload(kinds: Iterable[str]) -> None:
    """Import these kinds' modules (and their API client libraries) now rather than on
    the first task. An unknown kind is left for its tasks to report."""
    for kind in set(kinds):
        with suppress(PermanentError):
            factory_for(kind)
