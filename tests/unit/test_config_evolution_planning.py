"""Window arithmetic when the config is edited after windows were recorded (README,
"Editing the config"): ``start`` earlier (the head), ``start`` later or off a window
boundary, ``window`` changed, ``end`` off a boundary. Property-tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from orchestrator.planning import Span, layout, plan_head, plan_windows, walk_start

T0 = datetime(2026, 11, 1, tzinfo=UTC)
seconds = st.integers(min_value=1, max_value=2 * 86400).map(lambda s: timedelta(seconds=s))


def contiguous(spans: list[Span]) -> bool:
    return all(a[1] == b[0] for a, b in pairwise(spans)) and all(s < e for s, e in spans)


@given(
    length=seconds,
    ahead=st.integers(min_value=0, max_value=400),
    part=st.integers(min_value=0, max_value=86400),
    limit=st.integers(min_value=1, max_value=150),
)
def test_the_head_meets_the_first_recorded_window_and_records_backwards(
    length: timedelta, ahead: int, part: int, limit: int
) -> None:
    first = T0 + ahead * length + timedelta(seconds=part)
    whole = plan_head(T0, first, length, 10**9)
    assert contiguous(whole)
    if first > T0:
        assert whole[0][0] == T0 and whole[-1][1] == first
        assert all(e - s == length for s, e in whole[:-1]) and whole[-1][1] - whole[-1][0] <= length
    else:
        assert whole == []
    # batches of ``limit`` from the first recorded window backwards compose to the whole head
    pieces: list[Span] = []
    edge = first
    while batch := plan_head(T0, edge, length, limit):
        assert len(batch) <= limit and batch[-1][1] == edge
        pieces = batch + pieces
        edge = batch[0][0]
    assert pieces == whole


@given(
    length=seconds,
    whole=st.integers(min_value=0, max_value=300),
    part=st.integers(min_value=0, max_value=86400),
)
def test_end_cuts_the_last_window_short_and_nothing_past_it_is_planned(
    length: timedelta, whole: int, part: int
) -> None:
    end = T0 + whole * length + timedelta(seconds=part) + timedelta(seconds=1)
    windows = plan_windows(T0, end + timedelta(days=30), length, 10**9, end)
    assert contiguous(windows) and windows[0][0] == T0 and windows[-1][1] == end
    assert all(e - s == length for s, e in windows[:-1])


def simulate_ticks(
    start: datetime, length: timedelta, target: datetime, recorded: list[Span], limit: int
) -> list[Span]:
    """What the orchestrator records tick by tick (``Orchestrator._schedule``, pure)."""
    spans = list(recorded)
    watermark = recorded[-1][1] if recorded else start
    first = recorded[0][0] if recorded else None
    while True:
        if first is not None and (head := plan_head(start, first, length, limit)):
            spans += head
            first = head[0][0]
            continue
        planned = plan_windows(max(watermark, start), target, length, limit)
        if not planned:
            return sorted(spans)
        spans += planned
        watermark = planned[-1][1]


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[Span], datetime, timedelta, datetime]:
    """Windows recorded under one config (start T0, an old length), then another config:
    a start anywhere from well before to after them, another length, a later target."""
    old = draw(seconds)
    count = draw(st.integers(min_value=1, max_value=60))
    recorded = [(T0 + i * old, T0 + (i + 1) * old) for i in range(count)]
    new = old * draw(st.sampled_from([1 / 8, 1 / 3, 1 / 2, 2 / 3, 1, 3 / 2, 2, 5, 8]))
    new = max(
        timedelta(seconds=1), timedelta(seconds=round(new.total_seconds()))
    )  # ~ hundreds of windows at most
    fraction = st.floats(min_value=0, max_value=1)
    start = (
        T0
        + (count * old + 3 * new) * draw(fraction)
        - 3 * new * draw(st.integers(min_value=0, max_value=12))
    )
    target = (
        max(start, recorded[-1][1])
        + new * draw(st.integers(min_value=0, max_value=40))
        + new * draw(fraction)
    )
    return recorded, start.replace(microsecond=0), new, target.replace(microsecond=0)


@given(edit=edits(), limit=st.integers(min_value=1, max_value=99))
def test_the_layout_is_what_the_ticks_record_over_the_configured_range(
    edit: tuple[list[Span], datetime, timedelta, datetime], limit: int
) -> None:
    recorded, start, length, target = edit
    expected = layout(start, length, target, recorded)
    ticked = simulate_ticks(start, length, target, recorded, limit)
    in_range = [w for w in ticked if w[1] > start and w[0] < target]
    assert in_range == expected  # the run waits for exactly what the planner records
    assert contiguous(expected)
    if expected:
        assert (
            expected[0][0] == walk_start(start, recorded) <= start
        )  # the range from start is covered
        assert expected[-1][1] <= max(target, recorded[-1][1])
        assert (
            target - expected[-1][1] < length or expected[-1] in recorded
        )  # nothing due is left out
    assert set(recorded) & set(expected) == {
        w for w in recorded if w[1] > start and w[0] < target
    }  # kept whole
    assert all(e - s <= length for s, e in expected if (s, e) not in recorded)


def test_a_hole_in_the_record_counts_as_windows_not_recorded() -> None:
    """(start moved past the watermark, then back before it: the run must not call the
    hole between the two recorded runs caught up)"""
    recorded = [(T0, T0 + timedelta(hours=1)), (T0 + timedelta(hours=3), T0 + timedelta(hours=4))]
    spans = layout(T0, timedelta(hours=1), T0 + timedelta(hours=4), recorded)
    assert spans == [(T0 + timedelta(hours=h), T0 + timedelta(hours=h + 1)) for h in range(4)]
