"""What every simulator's list service holds: settings, event store, counters, clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from logpull.simulator._stats import StatsRecorder

SettingsT = TypeVar("SettingsT")
StoreT = TypeVar("StoreT")


class ListService(Generic[SettingsT, StoreT]):
    """A list endpoint without HTTP; subclasses add the API's own list method."""

    def __init__(
        self,
        settings: SettingsT,
        store: StoreT,
        stats: StatsRecorder,
        clock: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._store = store
        self._stats = stats
        self._clock = clock
