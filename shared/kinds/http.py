"""``kind = "http"``: the block's own keys are an ``HttpSpec`` (see ``http_spec``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.kinds import KindOptions
from shared.kinds.http_spec import HttpSpec


class SpecBacked(KindOptions):
    """A kind the http engine runs: it has an ``HttpSpec``."""

    def spec(self) -> HttpSpec:
        raise NotImplementedError

    def common_defaults(self) -> dict[str, Any]:
        spec = self.spec()
        request = spec.request
        found: dict[str, Any] = {"page_size": request.page_size_default or request.page_size_max}
        if spec.rate_limit.requests_per_minute:
            found["requests_per_minute"] = spec.rate_limit.requests_per_minute
        return found

    def check_common(self, values: dict[str, Any]) -> None:
        top = self.spec().request.page_size_max
        size = values.get("page_size")
        if isinstance(size, int) and size > top:
            raise ValueError(f"page_size: at most {top} for this API")

    def stream_names(self) -> list[str] | None:
        return [s.name for s in self.spec().streams] or None

    def default_late_horizon(self) -> timedelta:
        spec = self.spec()
        stream = spec.stream_named(self.stream)
        return (
            stream.late_horizon
            if stream and stream.late_horizon is not None
            else spec.late_horizon_default
        )

    def api_address(self) -> str | None:
        return self.spec().base_url

    @property
    def reads_budget(self) -> bool:
        return self.spec().rate_limit.reads_budget


class HttpKind(HttpSpec, SpecBacked):
    """The block's keys are the spec itself."""

    def spec(self) -> HttpSpec:
        return self
