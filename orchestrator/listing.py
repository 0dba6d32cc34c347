"""The windows of a source as a tick sees them, without re-reading the settled past.

A window whose first pass is done and needs no final pass (or whose final pass is done)
never changes again, and neither does any window before it. So the orchestrator keeps
that *settled* prefix from earlier ticks and reads only the windows from its end on, up
to a bound the tick gives (the enqueue mark plus the room in the queue: windows past it
are recorded but untouched). The cost of a tick follows the windows in play, not the
months already read nor the months still to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestrator.late import final_until
from shared.aws.state_store import DynamoStateStore
from shared.config import SourceSettings
from shared.models import WindowRecord
from shared.timeutil import format_instant


@dataclass
class _Settled:
    until: datetime
    windows: list[WindowRecord] = field(default_factory=list)


class WindowListing:
    def __init__(self, store: DynamoStateStore) -> None:
        self.store = store
        self._settled: dict[str, _Settled] = {}

    def windows(self, source: SourceSettings, until: datetime | None = None) -> list[WindowRecord]:
        """The windows of ``source`` that start before or at ``until`` (all without it),
        in start order; the settled ones from memory."""
        settled = self._settled.get(source.id)
        bound = format_instant(until) if until else None
        if settled is None or settled.until <= source.start:
            windows = list(self.store.list_windows(source.id, until=bound))
        else:
            since = format_instant(settled.until)
            fresh = [] if until and until < settled.until else self.store.list_windows(source.id, since, bound)
            windows = settled.windows + list(fresh)
        until = final_until(source.start, windows, source.effective_late_horizon)
        self._settled[source.id] = _Settled(until, [w for w in windows if w.key.start < until])
        return windows

    def settled_until(self, source_id: str) -> datetime | None:
        settled = self._settled.get(source_id)
        return settled.until if settled else None
