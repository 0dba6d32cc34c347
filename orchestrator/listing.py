"""The windows of a source as a tick sees them, without re-reading the settled past.

A window whose first pass is done and needs no final pass (or whose final pass is done)
never changes again, and neither does any window before it. The end of that *settled*
prefix is kept in the source's meta item with the prefix's totals (``settled``), so
every tick, a cold one too (a new process, a fresh Lambda container), reads only the
windows from the mark on, up to a bound the tick gives (the enqueue mark plus the room
in the queue: windows past it are recorded but untouched), and none at all when nothing
is left past the mark. The cost of a tick follows the windows in play, not the months
already read nor the months still to read. The mark moves forward only, by one
conditional update when a tick finds more of the prefix settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orchestrator import settled
from shared.aws.state_store import DynamoStateStore
from shared.config import SourceSettings
from shared.models import SourceMeta, WindowRecord
from shared.settled import SettledMark
from shared.timeutil import format_instant


@dataclass(frozen=True)
class Listed:
    settled: SettledMark  # the settled prefix, from the source's start, summed up
    windows: list[WindowRecord]  # the windows from ``settled.until`` on (up to the bound), in start order


class WindowListing:
    def __init__(self, store: DynamoStateStore) -> None:
        self.store = store
        self._marks: dict[str, SettledMark] = {}  # as far as this process has seen

    def windows(self, source: SourceSettings, meta: SourceMeta | None, until: datetime | None = None) -> Listed:
        """The windows of ``source`` past its settled prefix that start before or at
        ``until`` (all without it); ``meta`` is the source's meta item as this tick has it."""
        mark = self.mark(source, meta)
        if meta is None or mark.until >= meta.watermark or (until is not None and until < mark.until):
            fresh: list[WindowRecord] = []  # nothing recorded past the mark (or wanted): nothing to read
        else:
            bound = format_instant(until) if until else None
            fresh = list(self.store.list_windows(source.id, format_instant(mark.until), bound))
        if meta is not None:
            mark = settled.advance(source, mark, fresh, cap=meta.enqueued_until)
            self._keep(source, meta, mark)
        return Listed(mark, [w for w in fresh if w.key.start >= mark.until])

    def mark(self, source: SourceSettings, meta: SourceMeta | None) -> SettledMark:
        """The settled mark as far as known, under the source's current config. Without one
        (a new source, or ``start`` or the late horizon edited) the origin: ``start``, or
        the recorded window that contains it (one small query)."""
        found = settled.furthest(source, self._marks.get(source.id), meta.settled if meta else None)
        if found is not None:
            return found
        cover = None
        if meta is not None and source.start < meta.watermark:
            cover = self.store.window_before(source.id, format_instant(source.start))
        self._marks[source.id] = settled.origin(source, cover)
        return self._marks[source.id]

    def _keep(self, source: SourceSettings, meta: SourceMeta, mark: SettledMark) -> None:
        """Remember ``mark`` and store it if the meta item's lags (a lost race: next tick)."""
        self._marks[source.id] = mark
        stored = meta.settled
        behind = mark.until != source.start if stored is None else (stored.basis != mark.basis
                                                                    or stored.until < mark.until)
        if behind:
            self.store.advance_settled(source.id, stored, mark)

    def settled_until(self, source_id: str) -> datetime | None:
        mark = self._marks.get(source_id)
        return mark.until if mark else None
