"""Each source kind owns the model of its own config keys.

A block's keys that its kind's options model declares are validated by that model (errors
still read ``sources[0].<key>``); the common keys stay in ``shared.config.SourceSettings``.
Built-in kinds are listed here; a third-party kind registers its model as an entry point
of group ``logpull.kinds`` (``name = "package.module:Model"``), a subclass of
``KindOptions``. A kind without a model takes the common keys only.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

GROUP = "logpull.kinds"
BUILTIN = {
    "http": "shared.kinds.http:HttpKind",
    "github_audit_log": "shared.kinds.builtin:GithubAuditLog",
    "slack_audit_logs": "shared.kinds.builtin:SlackAuditLogs",
    "onepassword_events": "shared.kinds.builtin:OnePasswordEvents",
    "atlassian_org_audit": "shared.kinds.builtin:AtlassianOrgAudit",
    "microsoft_graph_audit": "shared.kinds.builtin:MicrosoftGraphAudit",
}


class KindOptions(BaseModel):
    """A kind's own keys, and what the rest of logpull asks of a kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    _stream: str | None = PrivateAttr(default=None)

    def common_defaults(self) -> dict[str, Any]:
        """Defaults of common keys (``page_size``, ``requests_per_minute``) for this kind."""
        return {}

    def check_common(self, values: dict[str, Any]) -> None:
        """Raise ValueError (naming the key) when a common key does not suit this kind."""

    def stream_names(self) -> list[str] | None:
        """The logical sources of the block (``<id>/<name>`` each), or None for one."""
        return None

    def for_stream(self, name: str) -> KindOptions:
        copy = self.model_copy()
        copy._stream = name
        return copy

    @property
    def stream(self) -> str | None:
        return self._stream

    def default_late_horizon(self) -> timedelta | None:
        return None

    def api_address(self) -> str | None:
        """Where the requests go when no ``api_endpoint`` is given."""
        return None

    @property
    def reads_budget(self) -> bool:
        """The API reports its own budget (limit, remaining, reset) with each response."""
        return False


@cache
def options_model(kind: str) -> type[KindOptions] | None:
    for entry in entry_points(group=GROUP):
        if entry.name == kind:
            loaded: type[KindOptions] = entry.load()
            return loaded
    if kind in BUILTIN:
        module, _, name = BUILTIN[kind].partition(":")
        found: type[KindOptions] = getattr(import_module(module), name)
        return found
    return None
