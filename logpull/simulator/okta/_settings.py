"""The one settings object of the Okta System Log simulator."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from logpull.simulator._basesettings import BaseSimulatorSettings

OKTA_FAULT_KINDS: tuple[str, ...] = ("429", "500", "503", "truncated", "not_json", "reset")


class OktaSimulatorSettings(BaseSimulatorSettings):
    """What the Okta simulator generates and how badly it behaves. Deterministic by seed.

    The timeline, visibility (late arrival) and fault knobs (``BaseSimulatorSettings``)
    mean exactly what they mean in ``SimulatorSettings`` of the Reports simulator.
    """

    known_fault_kinds: ClassVar[tuple[str, ...]] = OKTA_FAULT_KINDS

    fault_kinds: tuple[str, ...] = OKTA_FAULT_KINDS
    # Requests must send ``Authorization: SSWS <token>`` (or ``Bearer <token>``).
    token: str = Field(default="test-token", min_length=1)
    # ``after`` cursors issued longer ago than this (clock seconds) are rejected with 400.
    cursor_ttl: float | None = Field(default=None, gt=0.0)
    # OAuth 2.0 service apps (``private_key_jwt``): client id -> public key PEM. Their
    # access tokens, from POST /oauth2/v1/token, live this many clock seconds.
    oauth_clients: dict[str, str] = Field(default_factory=dict)
    access_token_ttl: float = Field(default=3600.0, gt=0.0)
    # Requests per clock minute before real 429s; the X-Rate-Limit-* headers count it down.
    rate_limit: int = Field(default=100_000, ge=1)
