"""Half-open windows whatever the API's edges: the engine asks for a range that covers
``[start, end)`` in the API's format and granularity; the worker keeps the records whose
own time is in the window (worker.dedup), so a record on an edge is read by one window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.kinds.http_spec import Window
from shared.models import Boundary
from shared.timeutil import format_instant
from worker.dedup import filter_page
from worker.sources.base import Event
from worker.sources.http._times import UNIT, api_time, covering, floor, record_times

BASE = datetime(2026, 11, 1, tzinfo=UTC)
FORMATS = ["rfc3339", "rfc3339_offset", "epoch_s", "epoch_ms", "date"]


def _api_parse(value: str | int, fmt: str) -> datetime:
    """What the API reads from what we send (written here independently of _times)."""
    if fmt == "epoch_s":
        return datetime.fromtimestamp(int(value), UTC)
    if fmt == "epoch_ms":
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(value))
    if fmt == "date":
        return datetime.strptime(str(value), "%Y-%m-%d").replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _api_keeps(t: datetime, low: datetime, high: datetime, window: Window, truncates: bool) -> bool:
    """An API comparing the record's time (truncated to its grain, or not) with the edges."""
    if truncates:
        t = floor(t, UNIT[window.grain])
    above = t >= low if window.start_inclusive else t > low
    below = t <= high if window.end_inclusive else t < high
    return above and below


def _window(fmt: str, grain: str | None, s_inc: bool, e_inc: bool) -> Window | None:
    try:
        return Window(
            start_param="a",
            end_param="b",
            format=fmt,
            granularity=grain,  # type: ignore[arg-type]
            start_inclusive=s_inc,
            end_inclusive=e_inc,
        )
    except ValidationError:  # a grain finer than the format writes
        return None


windows = st.builds(
    _window,
    st.sampled_from(FORMATS),
    st.sampled_from([None, "s", "ms", "day"]),
    st.booleans(),
    st.booleans(),
).filter(lambda w: w is not None)
millis = st.integers(min_value=0, max_value=3 * 86_400_000)


@given(
    window=windows,
    start=millis,
    length=st.integers(1, 86_400_000),
    at=millis,
    truncates=st.booleans(),
)
def test_the_covering_range_holds_every_record_of_the_window(
    window: Window, start: int, length: int, at: int, truncates: bool
) -> None:
    begin = BASE + timedelta(milliseconds=start)
    end, t = begin + timedelta(milliseconds=length), BASE + timedelta(milliseconds=at)
    low, high = covering(begin, end, window)
    sent_low = _api_parse(api_time(low, window.format, window.grain), window.format)
    sent_high = _api_parse(api_time(high, window.format, window.grain), window.format)
    assert (sent_low, sent_high) == (low, high)  # the edges are on the API's grain: sent exactly
    if begin <= t < end:
        assert _api_keeps(t, sent_low, sent_high, window, truncates)


@given(
    window=windows,
    edge=st.integers(0, 48),
    at=st.integers(-1, 1),
    length=st.sampled_from([60_000, 3_600_000]),
)
def test_a_record_on_an_edge_is_kept_by_exactly_one_window(
    window: Window, edge: int, at: int, length: int
) -> None:
    """Two adjacent windows, a record at (or 1 ms around) their common edge: the API sends
    it to both covering ranges where they overlap; the worker keeps it in one."""
    middle = BASE + timedelta(milliseconds=edge * length)
    t = middle + timedelta(milliseconds=at)
    first, second = (
        (middle - timedelta(milliseconds=length), middle),
        (middle, middle + timedelta(milliseconds=length)),
    )
    event = Event(b'{"id":"e"}', format_instant(t), "e")
    kept = 0
    for begin, end in (first, second):
        low, high = covering(begin, end, window)
        if _api_keeps(t, low, high, window, truncates=False):
            kept += len(
                filter_page(
                    [event], Boundary(None, frozenset()), (begin, end), "newest_first"
                ).items
            )
    assert kept == 1


def test_a_grain_finer_than_the_format_is_refused() -> None:
    assert _window("date", "s", True, False) is None
    assert _window("epoch_s", "ms", True, False) is None
    assert _window("rfc3339", "day", True, False) is not None


def test_api_formats() -> None:
    moment = datetime(2026, 11, 1, 12, 30, 5, 250_000, tzinfo=UTC)
    assert api_time(moment, "rfc3339", "s") == "2026-11-01T12:30:05Z"
    assert api_time(moment, "rfc3339", "ms") == "2026-11-01T12:30:05.250Z"
    assert api_time(moment, "rfc3339_offset", "s") == "2026-11-01T12:30:05+00:00"
    assert api_time(moment, "epoch_s", "s") == 1793536205
    assert api_time(moment, "epoch_ms", "ms") == 1793536205250
    assert api_time(moment, "date", "day") == "2026-11-01"


def test_inclusive_seconds_floor_the_start_and_ceil_the_end() -> None:
    window = Window(start_param="oldest", end_param="latest", format="epoch_s", end_inclusive=True)
    begin, end = (
        datetime(2026, 11, 1, 0, 0, 0, 500_000, tzinfo=UTC),
        datetime(2026, 11, 1, 1, 0, 0, 1000, tzinfo=UTC),
    )
    assert covering(begin, end, window) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 1, 1, 0, 1, tzinfo=UTC),
    )
    exclusive = window.model_copy(update={"start_inclusive": False, "slack": timedelta(seconds=1)})
    assert covering(begin, end, exclusive)[0] == datetime(2026, 10, 31, 23, 59, 58, tzinfo=UTC)


def test_record_times_in_every_format() -> None:
    assert record_times([1793536205], "epoch_s") == ["2026-11-01T12:30:05.000Z"]
    assert record_times([1793536205250, "1793536205251"], "epoch_ms") == [
        "2026-11-01T12:30:05.250Z",
        "2026-11-01T12:30:05.251Z",
    ]
    assert record_times(["2026-11-01T13:30:05.25+01:00"], "rfc3339") == ["2026-11-01T12:30:05.250Z"]
    assert record_times(["2026-11-01"], "date") == ["2026-11-01T00:00:00.000Z"]
