"""Helpers for the vendor-fake tests: started fakes on a fake clock, and small clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import requests
from simulator_helpers import FakeClock, started_sims

from logpull.simulator.vendors import FAKES, VendorSimulator

BEARER = {"Authorization": "Bearer test-token"}
# 2026-11-01T00:00:00Z and the next day: inside the default two-day timeline.
DAY1 = 1_793_491_200
DAY2 = DAY1 + 86_400

MakeFake = Callable[..., VendorSimulator[Any]]


def fakes(name: str) -> Iterator[MakeFake]:
    """``make(clock=None, **settings)``: a started fake of vendor ``name``."""
    sim_class, settings_class = FAKES[name]

    def build(clock: Callable[[], float], overrides: dict[str, Any]) -> VendorSimulator[Any]:
        return sim_class(settings_class(**{"events": 1500, **overrides}), clock=clock)

    yield from started_sims(build)


def get(url: str, headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
    """GET ``url`` with ``params`` (``from`` too: pass ``**query(...)``)."""
    return requests.get(url, params=params, headers=BEARER if headers is None else headers,
                        timeout=10)  # fmt: skip


def query(**params: Any) -> dict[str, Any]:
    """Query parameters as a dict (``query(**{"from": 5})`` for Python keywords)."""
    return params


def ms(event_seconds: float) -> int:
    return round(event_seconds * 1000)


__all__ = ["BEARER", "DAY1", "DAY2", "FakeClock", "MakeFake", "fakes", "get", "ms", "query"]
