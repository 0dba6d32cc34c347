"""The settings fields and checks every simulator shares: timeline, visibility, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)
DEFAULT_SPAN = timedelta(days=2)


class BaseSimulatorSettings(BaseModel):
    """The knobs that mean the same in every simulator. Subclasses set ``known_fault_kinds``
    and give ``fault_kinds`` its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    known_fault_kinds: ClassVar[tuple[str, ...]] = ()

    seed: int = 1
    events: int = Field(default=10_000, ge=0)
    start: datetime = DEFAULT_START
    end: datetime | None = None
    page_latency: float = Field(default=0.0, ge=0.0)
    shared_timestamp_fraction: float = Field(default=0.05, ge=0.0, le=1.0)
    edge_fraction: float = Field(default=0.02, ge=0.0, le=1.0)
    fault_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    fault_kinds: tuple[str, ...] = ()
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
        known = cls.known_fault_kinds
        unknown = [kind for kind in value if kind not in known]
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; choose from {list(known)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
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
