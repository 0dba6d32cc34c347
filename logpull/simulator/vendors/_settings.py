"""The settings every vendor fake shares: the timeline, late arrivals and faults of
``BaseSimulatorSettings`` plus the credential, cursor lifetime and rate limit."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from logpull.simulator._basesettings import BaseSimulatorSettings

COMMON_FAULTS: tuple[str, ...] = ("429", "500", "503", "reset")


class VendorSettings(BaseSimulatorSettings):
    """What a vendor fake generates and how badly it behaves. Deterministic by ``seed``.

    ``events`` are spread over ``[start, end)`` (default two days); ``late_fraction`` of
    them become visible ``late_min``..``late_max`` seconds after their own time (the
    rest within ``normal_lag_max``), so a query that ran early misses them. Each request
    draws a fault with probability ``fault_rate`` (kinds from ``fault_kinds``).
    """

    known_fault_kinds: ClassVar[tuple[str, ...]] = COMMON_FAULTS

    fault_kinds: tuple[str, ...] = COMMON_FAULTS
    # The secret a request must carry (the vendor's scheme: bearer token, key header).
    token: str = Field(default="test-token", min_length=1)
    # Cursors issued longer ago than this (clock seconds) get the vendor's cursor error.
    cursor_ttl: float | None = Field(default=None, gt=0.0)
    # Requests per rate window before real rate-limit answers; None: never limited.
    # The window is the vendor's own (a minute for most, an hour for GitHub).
    rate_limit: int | None = Field(default=None, ge=1)
    # Seconds a 429 fault tells the client to wait (where the vendor sends a wait).
    retry_after: float = Field(default=1.0, ge=0.0)
