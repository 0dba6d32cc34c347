"""Fixtures for the Reports API simulator tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simulator_helpers import FakeClock, MakeSim

from shared.simulator import ReportsSimulator, SimulatorSettings


@pytest.fixture
def make_sim() -> Iterator[MakeSim]:
    """``make_sim(clock=None, **settings)``: a started simulator, stopped after the test."""
    started: list[ReportsSimulator] = []

    def make(clock: Callable[[], float] | None = None, **overrides: Any) -> ReportsSimulator:
        settings = SimulatorSettings(**{"events": 2000, **overrides})
        sim = ReportsSimulator(settings, clock=clock or FakeClock())
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()
