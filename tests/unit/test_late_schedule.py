"""Which windows need a final pass, and when: clock-independent properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from orchestrator.late import due_final_passes, final_pass_due, final_until, needs_final_pass
from shared.models import FINAL_PASS, WindowKey, WindowRecord
from shared.timeutil import CLOCK_SKEW

T0 = datetime(2026, 11, 1, tzinfo=UTC)
W = timedelta(seconds=30)

seconds = st.floats(min_value=0, max_value=10_000, allow_nan=False)
horizons = st.integers(min_value=0, max_value=5_000).map(lambda s: timedelta(seconds=s))


def first(i: int, started_offset: float, state: str = "done") -> WindowRecord:
    key = WindowKey("s", T0 + i * W, T0 + (i + 1) * W)
    return WindowRecord(key=key, state=state, started_at=key.end.timestamp() + started_offset)  # type: ignore[arg-type]


@given(offset=seconds, horizon=horizons, now_offset=seconds)
def test_final_pass_iff_first_read_began_before_the_horizon(offset: float, horizon: timedelta, now_offset: float) -> None:
    """... as a worker's clock says, trusted only to CLOCK_SKEW: a clock that runs ahead
    must not skip a final pass that is needed."""
    window = first(0, offset)
    assert needs_final_pass(window, horizon) == (offset < (horizon + CLOCK_SKEW).total_seconds())
    now = window.key.end.timestamp() + now_offset
    due = final_pass_due(window, horizon, now)
    assert due == (needs_final_pass(window, horizon) and now_offset >= horizon.total_seconds())


@given(offset=seconds, horizon=horizons, state=st.sampled_from(["pending", "running", "failed"]))
def test_unfinished_first_passes_never_get_a_final_pass_yet(offset: float, horizon: timedelta, state: str) -> None:
    assert not needs_final_pass(first(0, offset, state), horizon)


@given(offsets=st.lists(seconds, min_size=1, max_size=30), horizon=horizons, now_offset=seconds,
       done=st.data())
def test_final_until_stops_at_the_first_window_that_is_not_final(
    offsets: list[float], horizon: timedelta, now_offset: float, done: st.DataObject
) -> None:
    firsts = [first(i, off) for i, off in enumerate(offsets)]
    now = firsts[-1].key.end.timestamp() + now_offset
    due = due_final_passes(firsts, horizon, now)
    assert all(final_pass_due(w, horizon, now) for w in due)
    finals = [replace(w, key=replace(w.key, pass_no=FINAL_PASS), state="done")
              for w in due if done.draw(st.booleans())]
    until = final_until(T0, firsts + finals, horizon)
    finished = {w.key.start for w in finals}
    expected = T0
    for w in firsts:
        if needs_final_pass(w, horizon) and w.key.start not in finished:
            break
        expected = w.key.end
    assert until == expected
    # once recorded, a final pass is never scheduled again
    assert not {w.key.start for w in due_final_passes(firsts + finals, horizon, now)} & finished
