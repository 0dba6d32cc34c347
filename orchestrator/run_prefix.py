"""The settled prefix of each source as `logpull run --until-caught-up` needs it: the
window records themselves, not just the mark's totals, because a run counts a window
done only once its last part is published (a worker that died between its last
checkpoint and the publish leaves it staged, done and settled). A tick lists windows
from the settled mark on; the run reads the windows before the mark once, as the mark
passes them, and keeps them for the rest of the run (an operator command: one pass over
the history per run, like `logpull status`)."""

from __future__ import annotations

from datetime import datetime

from shared.aws.state_store import DynamoStateStore
from shared.config import SourceSettings
from shared.models import WindowRecord
from shared.settled import SettledMark
from shared.timeutil import format_instant


class SettledPrefix:
    def __init__(self, store: DynamoStateStore) -> None:
        self.store = store
        self._windows: dict[str, list[WindowRecord]] = {}
        self._until: dict[str, datetime] = {}

    def whole(self, source: SourceSettings, mark: SettledMark | None, listed: list[WindowRecord]) -> list[WindowRecord]:
        """Every window of ``source`` up to what the tick ``listed`` past ``mark``."""
        until = mark.until if mark else source.start
        known = self._windows.setdefault(source.id, [])
        since = self._until.get(source.id) or self._origin(source)
        if until < since:  # a mark set aside (another late horizon): keep what is still before it
            known[:] = [w for w in known if w.key.start < until]
        elif until > since:
            fresh = self.store.list_windows(source.id, format_instant(since), format_instant(until))
            known += [w for w in fresh if w.key.start < until]
        self._until[source.id] = until
        return known + listed

    def _origin(self, source: SourceSettings) -> datetime:
        """``start``, or the start of the recorded window that contains it (``start``
        moved later, off a window boundary: that window is the range's first)."""
        cover = self.store.window_before(source.id, format_instant(source.start))
        return cover.key.start if cover is not None and cover.key.end > source.start else source.start
