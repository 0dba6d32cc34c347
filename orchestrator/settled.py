"""Moving a source's settled-until mark over the windows read from it on (pure).

A window is settled when its first pass is done and either needs no final pass or its
final pass is done, and every window before it is settled (``late.final_until``, here
stricter: a final pass on record must be done). The mark also stops at the enqueue mark:
a window not yet sent is the enqueuer's to find, so the listing must still return it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from orchestrator.late import needs_final_pass
from shared.config import SourceSettings
from shared.models import FIRST_PASS, WindowRecord
from shared.settled import SettledMark
from shared.timeutil import format_instant


def basis(source: SourceSettings) -> str:
    """The config a settled prefix is judged under: another start or late horizon
    may unsettle it, so a mark of another basis is not used."""
    return f"{format_instant(source.start)}/{int(source.effective_late_horizon.total_seconds())}s"


def origin(source: SourceSettings, cover: WindowRecord | None = None) -> SettledMark:
    """The empty prefix: nothing settled yet. It begins at ``start``, or at the start of
    the recorded window ``cover`` that contains it (``start`` moved later, off a window
    boundary: that window stays whole and is the first of the range)."""
    inside = cover is not None and cover.key.start < source.start < cover.key.end
    return SettledMark(until=cover.key.start if cover and inside else source.start, basis=basis(source))


def furthest(source: SourceSettings, *marks: SettledMark | None) -> SettledMark | None:
    """The furthest of ``marks`` judged under the source's current config (None: none is)."""
    valid = [m for m in marks if m is not None and m.basis == basis(source)]
    return max(valid, key=lambda m: m.until, default=None)


def usable(source: SourceSettings, *marks: SettledMark | None) -> SettledMark:
    """The furthest of ``marks`` judged under the source's current config (or the origin)."""
    return furthest(source, *marks) or origin(source)


def advance(source: SourceSettings, mark: SettledMark, windows: Iterable[WindowRecord],
            cap: datetime) -> SettledMark:
    """``mark`` moved over the settled ones among ``windows`` (those from ``mark.until``
    on), window by window while each is settled, never to a window starting at ``cap``
    or later."""
    firsts: dict[datetime, WindowRecord] = {}
    finals: dict[datetime, WindowRecord] = {}
    for w in windows:
        (firsts if w.key.pass_no == FIRST_PASS else finals)[w.key.start] = w
    horizon = source.effective_late_horizon
    until = mark.until
    while until < cap and (first := firsts.get(until)) is not None and first.state == "done":
        final = finals.get(until)
        if (final is not None and final.state != "done") or (final is None and needs_final_pass(first, horizon)):
            break
        mark = _add(mark, first, final)
        until = first.key.end
    return replace(mark, until=until)


def _add(mark: SettledMark, first: WindowRecord, final: WindowRecord | None) -> SettledMark:
    passes = (first,) if final is None else (first, final)
    return replace(
        mark,
        first_passes=mark.first_passes + 1,
        final_passes=mark.final_passes + (final is not None),
        events=mark.events + sum(w.events for w in passes),
        late_events=mark.late_events + (final.events if final is not None else 0),
        pages=mark.pages + sum(w.pages for w in passes),
        continuations=mark.continuations + sum(w.continuations for w in passes),
    )
