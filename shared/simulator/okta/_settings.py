"""The one settings object of the Okta System Log simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OKTA_FAULT_KINDS: tuple[str, ...] = ("429", "500", "503", "truncated", "not_json", "reset")
DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)
DEFAULT_SPAN = timedelta(days=2)


class OktaSimulatorSettings(BaseModel):
    """What the Okta simulator generates and how badly it behaves. Deterministic by seed.

    The timeline, visibility (late arrival) and fault knobs mean exactly what they mean
    in ``SimulatorSettings`` of the Reports simulator.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 1
    events: int = Field(default=10_000, ge=0)
    start: datetime = DEFAULT_START
    end: datetime | None = None
    page_latency: float = Field(default=0.0, ge=0.0)
    shared_timestamp_fraction: float = Field(default=0.05, ge=0.0, le=1.0)
    edge_fraction: float = Field(default=0.02, ge=0.0, le=1.0)
    fault_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    fault_kinds: tuple[str, ...] = OKTA_FAULT_KINDS
    # Requests must send ``Authorization: SSWS <token>`` (or ``Bearer <token>``).
    token: str = Field(default="test-token", min_length=1)
    # ``after`` cursors issued longer ago than this (clock seconds) are rejected with 400.
    cursor_ttl: float | None = Field(default=None, gt=0.0)
    # Requests per clock minute before real 429s; the X-Rate-Limit-* headers count it down.
    rate_limit: int = Field(default=100_000, ge=1)
    late_fraction: float = Field(default=0.0, ge=0.0, le=1.0)
    late_min: float = Field(default=0.0, ge=0.0)
    late_max: float = Field(default=0.0, ge=0.0)
    normal_lag_max: float = Field(default=1.0, ge=0.0)

    @field_validator("start", "end")
    @classmethod
    def _aware_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("must be timezone-aware (add Z or an offset)")
        return value.astimezone(UTC)

    @field_validator("fault_kinds")
    @classmethod
    def _known_faults(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [kind for kind in value if kind not in OKTA_FAULT_KINDS]
        if unknown:
            raise ValueError(
                f"unknown fault kind(s) {unknown}; choose from {list(OKTA_FAULT_KINDS)}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> OktaSimulatorSettings:
        if self.timeline_end <= self.start:
            raise ValueError("end must be after start")
        if self.late_min > self.late_max:
            raise ValueError("late_min must not exceed late_max")
        if self.fault_rate > 0 and not self.fault_kinds:
            raise ValueError("fault_rate > 0 needs at least one fault kind")
        return self

    @property
    def timeline_end(self) -> datetime:
        """``end``, or ``start`` plus two days when not set."""
        return self.end if self.end is not None else self.start + DEFAULT_SPAN
