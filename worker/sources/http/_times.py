"""Half-open windows whatever the API's edges: the covering range to ask for, in the
API's own format and granularity, and each record's own time in logpull's form.

The worker keeps exactly the records whose own time lies in ``[start, end)`` (see
``worker.dedup``), so the API must be asked for a range that covers the window:
the start floored to the API's granularity (one unit less if the API's start is
exclusive), the end ceiled (an API's inclusive or exclusive end both cover then).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.kinds.http_spec import Grain, TimeFormat, Window
from shared.timeutil import canonical_instant, format_instant
from worker.sources.base import canonical_times

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNIT: dict[Grain, timedelta] = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "day": timedelta(days=1),
}
_MS = timedelta(milliseconds=1)


def floor(value: datetime, unit: timedelta) -> datetime:
    return EPOCH + ((value - EPOCH) // unit) * unit


def ceil(value: datetime, unit: timedelta) -> datetime:
    low = floor(value, unit)
    return low if low == value else low + unit


def covering(start: datetime, end: datetime, window: Window) -> tuple[datetime, datetime]:
    """The range to ask the API for so that every record in ``[start, end)`` is in it."""
    unit = UNIT[window.grain]
    low = floor(start - window.slack, unit)
    if not window.start_inclusive:
        low -= unit
    return low, ceil(end + window.slack, unit)


def api_time(value: datetime, fmt: TimeFormat, grain: Grain) -> str | int:
    """``value`` (on the grain already) as the API writes it."""
    utc = value.astimezone(UTC)
    if fmt == "epoch_s":
        return (utc - EPOCH) // timedelta(seconds=1)
    if fmt == "epoch_ms":
        return (utc - EPOCH) // _MS
    if fmt == "date":
        return utc.strftime("%Y-%m-%d")
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if grain == "ms":
        text += f".{utc.microsecond // 1000:03d}"
    return text + ("Z" if fmt == "rfc3339" else "+00:00")


def _from_epoch(scale: float) -> Callable[[object], str]:
    def convert(value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"{value!r} is no epoch time")
        return format_instant(EPOCH + timedelta(milliseconds=round(float(value) * scale)))

    return convert


def _from_date(value: object) -> str:
    return format_instant(datetime.strptime(str(value), "%Y-%m-%d").replace(tzinfo=UTC))


_CONVERT: dict[str, Callable[[object], str]] = {
    "epoch_s": _from_epoch(1000.0),
    "epoch_ms": _from_epoch(1.0),
    "date": _from_date,
}


def record_times(values: list[object], fmt: TimeFormat) -> list[str]:
    """Each record's time as ``format_instant`` writes it. Raises ValueError."""
    convert = _CONVERT.get(fmt)
    if convert is None:
        return canonical_times(values)  # type: ignore[arg-type]  # (non-strings are refused there)
    return list(map(convert, values))


def record_time(value: object, fmt: TimeFormat) -> str:
    convert = _CONVERT.get(fmt)
    return convert(value) if convert is not None else canonical_instant(str(value))
