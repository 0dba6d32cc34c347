"""The settled-until mark: it never passes a window that can still change, it is the
same however many steps it took to get there, and its totals are what a full listing
sums (so the tick's ledger from the mark equals the ledger over every window)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from orchestrator import settled
from orchestrator.late import needs_final_pass
from orchestrator.ledger import ledger
from shared.config import SourceSettings
from shared.models import FINAL_PASS, FIRST_PASS, WindowKey, WindowRecord

T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOURCE = SourceSettings(id="gws-login", start=T0, window=HOUR, settle=timedelta(minutes=5), late_horizon=2 * HOUR)
STATES = ["pending", "running", "done", "failed"]

# one slot: first-pass state, whether it was read before the late horizon (needs a final
# pass when done), and its final pass's state (None: not recorded)
slots = st.tuples(st.sampled_from(STATES), st.booleans(), st.sampled_from([None, *STATES]),
                  st.integers(0, 50), st.integers(0, 5), st.integers(0, 3))


def records(spec: list[Any]) -> list[WindowRecord]:
    out = []
    for i, (state, early, final, events, pages, continuations) in enumerate(spec):
        key = WindowKey(SOURCE.id, T0 + i * HOUR, T0 + (i + 1) * HOUR)
        started = key.end.timestamp() + (60 if early else 3 * 3600)
        out.append(WindowRecord(key=key, state=state, started_at=started, events=events, pages=pages,
                                continuations=continuations))
        if final is not None:
            out.append(WindowRecord(key=WindowKey(key.source, key.start, key.end, FINAL_PASS), state=final,
                                    events=events // 3, pages=1, started_at=started + 7200))
    return sorted(out, key=lambda w: (w.key.start, w.key.pass_no))


def is_settled(first: WindowRecord, windows: list[WindowRecord]) -> bool:
    final = next((w for w in windows if w.key.pass_no == FINAL_PASS and w.key.start == first.key.start), None)
    if first.state != "done":
        return False
    if final is not None:
        return final.state == "done"
    return not needs_final_pass(first, SOURCE.effective_late_horizon)


@given(spec=st.lists(slots, max_size=12), cap=st.integers(0, 13), split=st.integers(0, 13))
def test_the_mark_never_passes_a_window_that_can_still_change(spec: list[Any], cap: int, split: int) -> None:
    windows = records(spec)
    cap_at = T0 + cap * HOUR
    mark = settled.advance(SOURCE, settled.origin(SOURCE), windows, cap_at)
    firsts = [w for w in windows if w.key.pass_no == FIRST_PASS]
    before = [w for w in firsts if w.key.start < mark.until]
    assert mark.until <= max(cap_at, T0) and all(is_settled(w, windows) for w in before)
    # and it goes as far as it may: the next window is unsettled, missing or at the cap
    after = next((w for w in firsts if w.key.start == mark.until), None)
    assert after is None or mark.until >= cap_at or not is_settled(after, windows)
    # the totals are the prefix's sums
    prefix = [w for w in windows if w.key.start < mark.until]
    assert mark.events == sum(w.events for w in prefix)
    assert mark.late_events == sum(w.events for w in prefix if w.key.pass_no == FINAL_PASS)
    assert (mark.pages, mark.continuations) == (sum(w.pages for w in prefix), sum(w.continuations for w in prefix))
    assert (mark.first_passes, mark.final_passes) == (len(before), len(prefix) - len(before))
    # in two steps (a tick, then a later one reading from the first's mark): the same mark
    halfway = settled.advance(SOURCE, settled.origin(SOURCE), windows, min(cap_at, T0 + split * HOUR))
    rest = [w for w in windows if w.key.start >= halfway.until]
    assert settled.advance(SOURCE, halfway, rest, cap_at) == mark
    # the ledger from the mark and the windows past it is the ledger of them all
    assert ledger(SOURCE, rest, halfway) == ledger(SOURCE, windows)


def test_a_mark_judged_under_another_late_horizon_or_start_is_not_used() -> None:
    windows = records([("done", False, None, 5, 1, 0)] * 3)
    mark = settled.advance(SOURCE, settled.origin(SOURCE), windows, T0 + 3 * HOUR)
    assert mark.until == T0 + 3 * HOUR
    longer = SOURCE.model_copy(update={"late_horizon": 4 * HOUR})  # the windows may now need a final pass
    later = SOURCE.model_copy(update={"start": T0 + HOUR})
    assert settled.usable(longer, mark) == settled.origin(longer)
    assert settled.usable(later, mark) == settled.origin(later)
    assert settled.usable(SOURCE, None, mark, settled.origin(SOURCE)) == mark


def test_ledger_counts_the_prefix_as_done() -> None:
    windows = records([("done", False, None, 5, 1, 0), ("done", True, "done", 5, 1, 0), ("running", True, None, 1, 1, 0)])
    mark = settled.advance(SOURCE, settled.origin(SOURCE), windows, T0 + 3 * HOUR)
    assert mark.until == T0 + 2 * HOUR
    current = ledger(SOURCE, [w for w in windows if w.key.start >= mark.until], mark)
    assert current.first_pass == Counter(done=2, running=1) and current.final_pass == Counter(done=1)
