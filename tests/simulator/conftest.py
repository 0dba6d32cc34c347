"""Fixtures for the Reports API simulator tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simulator_helpers import MakeSim, started_sims

from logpull.simulator import ReportsSimulator, SimulatorSettings


@pytest.fixture
def make_sim() -> Iterator[MakeSim]:
    """``make_sim(clock=None, **settings)``: a started simulator, stopped after the test."""

    def build(clock: Callable[[], float], overrides: dict[str, Any]) -> ReportsSimulator:
        return ReportsSimulator(SimulatorSettings(**{"events": 2000, **overrides}), clock=clock)

    yield from started_sims(build)
