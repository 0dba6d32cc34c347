"""The one settings object of the Reports API simulator."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from logpull.simulator._apps import APPLICATION_NAMES
from logpull.simulator._basesettings import BaseSimulatorSettings

FAULT_KINDS: tuple[str, ...] = ("429", "403_rate", "500", "503", "truncated", "not_json", "reset")


class SimulatorSettings(BaseSimulatorSettings):
    """What the simulator generates and how badly it behaves. Fully deterministic by seed.

    The shared timeline, visibility (late arrival) and fault knobs are in
    ``BaseSimulatorSettings``.
    """

    known_fault_kinds: ClassVar[tuple[str, ...]] = FAULT_KINDS

    applications: tuple[str, ...] = ("login",)
    customer_id: str = "C03az79cb"
    inclusive_end: bool = True
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: float = Field(default=1.0, ge=0.0)
    token_ttl: float | None = Field(default=None, gt=0.0)
    # requests per minute of the clock beyond which activities.list answers 429 "Quota exceeded"
    quota_per_minute: int | None = Field(default=None, ge=1)

    @field_validator("applications")
    @classmethod
    def _known_applications(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in APPLICATION_NAMES]
        if unknown:
            raise ValueError(f"unknown applicationName(s) {unknown}; use the Reports API enum")
        if not value or len(set(value)) != len(value):
            raise ValueError("applications must be non-empty and without duplicates")
        return value
