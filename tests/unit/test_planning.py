"""Window arithmetic, property-tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from orchestrator.planning import align_down, plan_windows

ORIGIN = datetime(2026, 11, 1, tzinfo=UTC)
lengths = st.integers(min_value=1, max_value=7 * 86400).map(lambda s: timedelta(seconds=s))


@st.composite
def spans(draw: st.DrawFn) -> tuple[timedelta, timedelta]:
    """A window length and a distance ahead of the origin of up to ~3,000 windows."""
    length = draw(lengths)
    whole = draw(st.integers(min_value=0, max_value=3000))
    part = draw(st.integers(min_value=0, max_value=int(length.total_seconds()) - 1))
    return length, length * whole + timedelta(seconds=part)


@given(span=spans(), limit=st.integers(min_value=1, max_value=2000))
def test_windows_are_contiguous_full_and_bounded(span: tuple[timedelta, timedelta], limit: int) -> None:
    length, ahead = span
    horizon = ORIGIN + ahead
    windows = plan_windows(ORIGIN, horizon, length, limit)
    assert len(windows) <= limit
    expected = min(limit, int(ahead / length))
    assert len(windows) == expected
    cursor = ORIGIN
    for start, end in windows:
        assert start == cursor and end - start == length and end <= horizon
        cursor = end


@given(span=spans(), split=st.integers(min_value=1, max_value=500))
def test_successive_ticks_cover_the_same_windows_as_one(span: tuple[timedelta, timedelta], split: int) -> None:
    """Capped ticks resuming from the watermark produce exactly one big tick's windows."""
    length, ahead = span
    horizon = ORIGIN + ahead
    everything = plan_windows(ORIGIN, horizon, length, 10**9)
    pieces: list[tuple[datetime, datetime]] = []
    watermark = ORIGIN
    while chunk := plan_windows(watermark, horizon, length, split):
        pieces.extend(chunk)
        watermark = chunk[-1][1]
    assert pieces == everything


@given(span=spans())
def test_align_down_is_a_boundary_at_or_before(span: tuple[timedelta, timedelta]) -> None:
    length, ahead = span
    instant = ORIGIN + ahead
    aligned = align_down(instant, ORIGIN, length)
    assert aligned <= instant < aligned + length
    assert (aligned - ORIGIN) % length == timedelta(0)


def test_nothing_before_a_full_window() -> None:
    assert plan_windows(ORIGIN, ORIGIN + timedelta(minutes=14), timedelta(minutes=15), 10) == []
