"""The built-in kinds the http engine runs: each is a spec (a TOML file beside this
module, data only) plus the model of the kind's own keys, which fill the spec's
``{placeholders}`` and choose its streams."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from shared.kinds.http import SpecBacked
from shared.kinds.http_spec import HttpSpec

_SLUG = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


@cache
def _data(kind: str) -> dict[str, Any]:
    text = files(__package__).joinpath(f"{kind}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def builtin_spec(kind: str, values: dict[str, str], streams: list[str] | None = None) -> HttpSpec:
    """The spec of a built-in kind with its placeholders' values (and only these streams)."""
    data = dict(_data(kind))
    data["vars"] = values
    if streams is not None:
        data["streams"] = [s for s in data.get("streams", []) if s["name"] in streams]
    return HttpSpec.model_validate(data)


class _Builtin(SpecBacked):
    _kind: str = ""
    _spec: HttpSpec | None = PrivateAttr(default=None)

    def _values(self) -> dict[str, str]:
        return {}

    def _streams(self) -> list[str] | None:
        return None

    @model_validator(mode="after")
    def _build(self) -> _Builtin:
        self._spec = builtin_spec(self._kind, self._values(), self._streams())
        return self

    def spec(self) -> HttpSpec:
        assert self._spec is not None
        return self._spec


class GithubAuditLog(_Builtin):
    _kind = "github_audit_log"
    enterprise: str | None = Field(default=None, pattern=_SLUG)
    organization: str | None = Field(default=None, pattern=_SLUG)
    include: Literal["all", "web", "git"] = "all"  # GitHub's own default (web) drops Git events

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if isinstance(data, dict) and (data.get("enterprise") is None) == (
            data.get("organization") is None
        ):
            raise ValueError("give exactly one of enterprise or organization")
        return data

    def _values(self) -> dict[str, str]:
        scope = f"enterprises/{self.enterprise}" if self.enterprise else f"orgs/{self.organization}"
        return {"scope": scope, "include": self.include}


class SlackAuditLogs(_Builtin):
    _kind = "slack_audit_logs"


ONEPASSWORD_STREAMS = ("signinattempts", "itemusages", "auditevents")


class OnePasswordEvents(_Builtin):
    _kind = "onepassword_events"
    streams: list[Literal["signinattempts", "itemusages", "auditevents"]] | Literal["all"] = "all"

    def _streams(self) -> list[str] | None:
        return list(ONEPASSWORD_STREAMS) if self.streams == "all" else list(self.streams)


class AtlassianOrgAudit(_Builtin):
    _kind = "atlassian_org_audit"
    org_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,100}$")

    def _values(self) -> dict[str, str]:
        return {"org_id": self.org_id}


GRAPH_STREAMS = ("directoryAudits", "signIns")
_GUID = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$"  # a GUID, or a verified domain name


class MicrosoftGraphAudit(_Builtin):
    _kind = "microsoft_graph_audit"
    tenant_id: str = Field(pattern=_GUID)
    client_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,100}$")
    login_endpoint: str = Field(
        default="https://login.microsoftonline.com", pattern=r"^https?://[^\s{}]+$"
    )
    streams: list[Literal["directoryAudits", "signIns"]] | Literal["all"] = "all"

    def _values(self) -> dict[str, str]:
        return {
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "login_endpoint": self.login_endpoint.rstrip("/"),
        }

    def _streams(self) -> list[str] | None:
        return list(GRAPH_STREAMS) if self.streams == "all" else list(self.streams)
