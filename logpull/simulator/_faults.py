"""Seeded, per-request fault draws."""

from __future__ import annotations

import random
import threading

from logpull.simulator._errors import (
    ApiError,
    backend_error,
    rate_limited,
    user_rate_limited,
)

# Faults the HTTP layer acts out itself instead of answering with an error body.
TRANSPORT_FAULTS = frozenset({"truncated", "not_json", "reset"})
_SALT = 0x5EED_FA17


class FaultInjector:
    """Draws at most one fault per request: ``rate`` in total, the kind uniformly."""

    def __init__(self, seed: int, rate: float, kinds: tuple[str, ...]) -> None:
        self._rng = random.Random(seed ^ _SALT)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()
        self._rate = rate
        self._kinds = kinds

    def draw(self) -> str | None:
        if self._rate <= 0 or not self._kinds:
            return None
        with self._lock:
            if self._rng.random() >= self._rate:
                return None
            return self._kinds[self._rng.randrange(len(self._kinds))]


def error_for(kind: str, retry_after: float) -> ApiError:
    """The error response of an HTTP-level fault (not one in ``TRANSPORT_FAULTS``)."""
    if kind == "429":
        return rate_limited(retry_after)
    if kind == "403_rate":
        return user_rate_limited()
    if kind in ("500", "503"):
        return backend_error(int(kind))
    raise ValueError(f"{kind!r} is not an HTTP error fault")
