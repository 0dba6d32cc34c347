"""Which lane a window's tasks go to: the live tail first, history and final passes after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.config import AwsSettings
from shared.lanes import BACKFILL, LIVE, lane_of, live_until
from shared.models import FINAL_PASS, FIRST_PASS, WindowKey

T0 = datetime(2026, 11, 1, tzinfo=UTC)

lengths = st.integers(min_value=1, max_value=24 * 3600).map(lambda s: timedelta(seconds=s))
settles = st.integers(min_value=0, max_value=6 * 3600).map(lambda s: timedelta(seconds=s))
offsets = st.floats(min_value=0, max_value=400 * 24 * 3600, allow_nan=False)


def key(length: timedelta, pass_no: int = FIRST_PASS) -> WindowKey:
    return WindowKey("s", T0, T0 + length, pass_no)


@given(length=lengths, settle=settles, recorded_after_end=offsets)
def test_a_first_pass_is_live_iff_recorded_within_settle_plus_two_windows_of_its_end(
        length: timedelta, settle: timedelta, recorded_after_end: float) -> None:
    window = key(length)
    created = window.end.timestamp() + recorded_after_end
    expected = LIVE if recorded_after_end <= (settle + 2 * length).total_seconds() else BACKFILL
    assert lane_of(window, created, settle) == expected


@given(length=lengths, settle=settles, recorded_after_end=offsets)
def test_final_passes_are_always_backfill(length: timedelta, settle: timedelta, recorded_after_end: float) -> None:
    window = key(length, FINAL_PASS)
    assert lane_of(window, window.end.timestamp() + recorded_after_end, settle) == BACKFILL


def test_the_tail_a_tick_records_is_live_and_the_history_behind_it_backfill() -> None:
    """A tenant onboarded with 180 days behind it: one tick records them all; only the
    newest windows (due now) are live."""
    window, settle = timedelta(minutes=15), timedelta(minutes=5)
    now = (T0 + timedelta(days=180)).timestamp()
    lanes = [lane_of(WindowKey("s", T0 + i * window, T0 + (i + 1) * window), now, settle)
             for i in range(180 * 96)]
    assert lanes[-2:] == [LIVE, LIVE] and set(lanes[:-3]) == {BACKFILL}
    assert live_until(WindowKey("s", T0, T0 + window), settle) == T0 + window + settle + 2 * window


def test_lane_is_monotone_in_the_recording_time() -> None:
    window, settle = key(timedelta(minutes=15)), timedelta(minutes=5)
    times = [window.end.timestamp() + 60 * m for m in range(0, 120)]
    lanes = [lane_of(window, t, settle) for t in times]
    assert lanes == sorted(lanes, key=lambda lane: lane == BACKFILL)  # live, then backfill, never back


def test_backfill_queue_name_defaults_to_the_queue_name_with_a_suffix() -> None:
    assert AwsSettings(queue_name="q").backfill_queue == "q-backfill"
    assert AwsSettings(queue_name="q", backfill_queue_name="slow").backfill_queue == "slow"
