"""What the config changed against what is recorded, in words (``status``, ``check``).

Recorded windows keep their bounds whatever the config says now (README, "Editing the
config"); these lines say what that means for each edit: a head to backfill, windows
left outside the range, a new window length from the watermark on, a late horizon that
judges the settled windows again. Pure: the callers read the recorded state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.aws.state_store import DynamoStateStore
from shared.config import SourceSettings
from shared.models import SourceMeta
from shared.timeutil import format_duration, format_instant

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Recorded:
    """What a source has on record: its meta item, its first and last window (first
    passes), and the window that contains the configured ``start``, if one does."""

    meta: SourceMeta
    first: Span
    last: Span
    cover: Span | None = None


def recorded_state(store: DynamoStateStore, source: SourceSettings) -> Recorded | None:
    """The source's recorded state in a few small reads (meta, first, last, covering window)."""
    meta = store.get_meta(source.id)
    first = store.first_window(source.id) if meta else None
    if meta is None or first is None:
        return None
    last = store.window_before(source.id, format_instant(meta.watermark)) or first
    cover = store.window_before(source.id, format_instant(source.start))
    inside = cover is not None and cover.key.start < source.start < cover.key.end
    return Recorded(
        meta,
        (first.key.start, first.key.end),
        (last.key.start, last.key.end),
        (cover.key.start, cover.key.end) if cover and inside else None,
    )


def span_words(span: timedelta) -> str:
    days, rest = divmod(int(span.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if n
    ]
    return " ".join(parts) or "0 seconds"


def changes(source: SourceSettings, recorded: Recorded | None) -> list[str]:
    """One line per edit that the recorded state does not follow yet or keeps as it was."""
    if recorded is None:
        return []
    meta, (last_start, last_end) = recorded.meta, recorded.last
    lines = _start_lines(source, recorded)
    at, length = format_instant, format_duration
    if last_end - last_start != source.window and last_end != source.end:
        lines.append(
            f"window changed from {length(last_end - last_start)} to {length(source.window)}: "
            f"recorded windows keep their bounds, new ones are {length(source.window)} "
            f"from {at(max(meta.watermark, source.start))}"
        )
    if source.end is not None and meta.watermark > source.end:
        lines.append(
            f"end moved before what is recorded (watermark {at(meta.watermark)}): windows "
            "past it are outside the range (any already queued are still read)"
        )
    horizon = _settled_horizon(meta)
    if horizon is not None and horizon != source.effective_late_horizon:
        lines.append(
            f"late_horizon changed from {length(horizon)} to "
            f"{length(source.effective_late_horizon)}: the settled windows are judged "
            "again (once); passes already recorded stay"
        )
    return lines


def _start_lines(source: SourceSettings, recorded: Recorded) -> list[str]:
    at, start, first, watermark = (
        format_instant,
        source.start,
        recorded.first[0],
        recorded.meta.watermark,
    )
    if start < first:
        return [
            f"start moved earlier than recorded: {span_words(first - start)} to backfill "
            f"[{at(start)}, {at(first)}), in windows of {format_duration(source.window)}"
        ]
    if start >= watermark and start > first:
        return [
            f"start moved past everything recorded (watermark {at(watermark)}): "
            f"[{at(watermark)}, {at(start)}) is outside the range, not read"
        ]
    if start == first:
        return []
    lines = [
        f"start moved later than recorded ({at(first)}): "
        "the windows before it are outside the range"
    ]
    if recorded.cover is not None:
        lines.append(
            f"start falls inside the recorded window [{at(recorded.cover[0])}, "
            f"{at(recorded.cover[1])}): it is kept whole"
        )
    return lines


def _settled_horizon(meta: SourceMeta) -> timedelta | None:
    """The late horizon the stored settled mark was judged under (its basis)."""
    if meta.settled is None or not meta.settled.basis.endswith("s"):
        return None
    try:
        return timedelta(seconds=int(meta.settled.basis.rsplit("/", 1)[-1][:-1]))
    except ValueError:
        return None
