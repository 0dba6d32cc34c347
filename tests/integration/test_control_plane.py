"""The control plane scales with sources, not history: a cold tick (a new Orchestrator,
as on a fresh Lambda container) reads a source's windows from its settled-until mark,
so its AWS requests and the window items it reads do not grow with the weeks already
read; its ledger is still that of every window; the mark only moves forward."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from control_plane_helpers import HOUR, T0, add_history, counted, settled_window
from orchestrator.ledger import ledger
from orchestrator.listing import WindowListing
from orchestrator.status import source_status
from orchestrator.tick import Orchestrator
from shared.models import FINAL_PASS, SourceMeta, WindowKey, WindowRecord
from shared.settled import SettledMark

pytestmark = [pytest.mark.integration, pytest.mark.engines]  # engines: also on a DynamoDB engine


def at(hours: float) -> Callable[[], float]:
    """A clock at ``hours`` past T0 (fixed: nothing new is due in the next hour)."""
    return lambda: (T0 + hours * HOUR).timestamp()


def test_a_cold_tick_costs_the_same_after_n_and_2n_settled_windows(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    source = stack.settings.sources[0].id
    io = counted(stack.settings)
    costs, results = [], []
    for history in (40, 80):
        add_history(stack.store, source, history)
        Orchestrator(stack.settings, io.store, io.queue, clock=at(history + 0.5)).tick()  # moves the mark
        io.reset()
        results.append(Orchestrator(stack.settings, io.store, io.queue, clock=at(history + 0.5)).tick())  # cold
        costs.append((dict(io.requests), io.items_read))
    assert costs[0] == costs[1]
    assert costs[0][1] == 0  # no window item read: everything is settled
    assert sum(costs[0][0].values()) <= 3  # metas (one BatchGetItem), queue depth (and its URL)
    assert stack.store.get_meta(source).settled.until == T0 + 80 * HOUR
    assert results[1].ledgers[source] == ledger(stack.settings.sources[0], list(stack.store.list_windows(source)))
    assert results[1].ledgers[source].events == 80 * 7


def test_a_cold_tick_reads_only_the_windows_in_play(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    source = stack.settings.sources[0].id
    io = counted(stack.settings)
    running = settled_window(source, 30, state="running", lease_owner="w", lease_expiry=2e10, events=3)
    add_history(stack.store, source, 33, {30: running})
    Orchestrator(stack.settings, io.store, io.queue, clock=at(33.5)).tick()
    io.reset()
    Orchestrator(stack.settings, io.store, io.queue, clock=at(33.5)).tick()
    assert io.items_read == 3 and io.requests["Query"] == 1  # windows 30-32: from the running one on
    io.reset()
    Orchestrator(stack.settings, io.store, io.queue, clock=at(33.5)).tick()  # warm: the same
    assert io.items_read == 3


def test_the_ledger_of_a_cold_tick_is_the_ledger_of_every_window(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    settings, source = stack.settings, stack.settings.sources[0]
    early = (T0 + 2 * HOUR).timestamp()  # read within the late horizon: a final pass is due
    special: dict[int, WindowRecord] = {
        4: settled_window(source.id, 4, started_at=early),  # its final pass done below: settled
        5: settled_window(source.id, 5, started_at=early),  # its final pass still pending
        6: settled_window(source.id, 6, state="failed", error="x", events=0),
        7: settled_window(source.id, 7, state="running", lease_owner="w", lease_expiry=2e10, events=2),
        8: settled_window(source.id, 8, state="pending", pages=0, events=0, continuations=0, updated_at=2e10),
        9: settled_window(source.id, 9, state="pending", pages=1, events=3, continuations=0, updated_at=2e10),
    }
    add_history(stack.store, source.id, 10, special)
    for i, state in ((4, "done"), (5, "pending")):
        final = WindowRecord(key=replace(special[i].key, pass_no=FINAL_PASS), state=state,  # type: ignore[arg-type]
                             events=4 if state == "done" else 0, pages=1, updated_at=2e10)
        assert stack.store.create_window(final)
    io = counted(settings)
    now = at(10.5)
    Orchestrator(settings, io.store, io.queue, clock=now).tick()
    assert stack.store.get_meta(source.id).settled.until == T0 + 5 * HOUR
    io.reset()
    cold = Orchestrator(settings, io.store, io.queue, clock=now).tick()
    assert io.items_read == 6  # windows 5-9 and the final pass of 5 (not 4: settled)
    everything = list(stack.store.list_windows(source.id))
    assert cold.ledgers[source.id] == ledger(source, everything)
    report = source_status(source, stack.store, now())  # `logpull status` lists everything: the same numbers
    assert {k: report[k] for k in cold.ledgers[source.id].as_dict(now())} == cold.ledgers[source.id].as_dict(now())
    assert report["events"] == 4 * 7 + 7 + 7 + 2 + 3 + 4  # windows 0-3, 4, 5, 7, 9 and the final pass of 4


def mark(hours: int) -> SettledMark:
    return SettledMark(until=T0 + hours * HOUR, basis="b", first_passes=hours, events=7 * hours)


def test_the_mark_moves_only_forward_from_what_its_writer_read(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    store, source = stack.store, stack.settings.sources[0].id
    assert not store.advance_settled(source, None, mark(2))  # no meta item yet: nothing to mark
    add_history(store, source, 6)
    assert store.advance_settled(source, None, mark(2))
    assert not store.advance_settled(source, None, mark(1))  # read before the first mark: refused
    assert store.advance_settled(source, mark(2), mark(4))
    assert not store.advance_settled(source, mark(2), mark(3))  # another orchestrator moved it first
    assert store.get_meta(source).settled == mark(4)
    # the meta's other writes leave the mark alone
    meta = store.get_meta(source)
    store.record_windows(meta, replace(meta, watermark=T0 + 7 * HOUR, version=meta.version + 1, settled=None),
                         [WindowRecord(key=WindowKey(source, T0 + 6 * HOUR, T0 + 7 * HOUR))])
    assert store.get_meta(source).settled == mark(4)
    assert store.get_metas([source, "nobody"]) == {source: store.get_meta(source), "nobody": None}


# a step of two orchestrators A and B: a worker finishes window i, or one of them
# re-reads the meta item, or ticks with the meta it read last (maybe long ago)
steps = st.lists(st.one_of(st.integers(0, 7), st.tuples(st.sampled_from(["read", "tick"]), st.sampled_from("AB"))),
                 max_size=14)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_two_orchestrators_racing_keep_the_mark_monotone_and_true(make_stack: Callable[..., Any], plan: list[Any]) -> None:
    stack = racing_stack(make_stack)
    store = stack.store
    source = stack.settings.sources[0].model_copy(update={"id": f"race-{next(RACES)}"})
    add_history(store, source.id, 8, {i: settled_window(source.id, i, state="pending", version=0) for i in range(8)})
    listings = {who: WindowListing(store) for who in "AB"}
    read: dict[str, SourceMeta | None] = {who: store.get_meta(source.id) for who in "AB"}
    last = T0
    for step in plan:
        if isinstance(step, int):
            window = store.get_window(WindowKey(source.id, T0 + step * HOUR, T0 + (step + 1) * HOUR))
            if window is not None and window.state == "pending":
                store.write(window.evolve(version=window.version + 1, state="done"), window.version, owner=None)
        elif step[0] == "read":
            read[step[1]] = store.get_meta(source.id)
        else:
            listings[step[1]].windows(source, read[step[1]])
        stored = store.get_meta(source.id).settled
        until = stored.until if stored else T0
        assert until >= last  # never back
        windows = list(store.list_windows(source.id))
        assert all(w.state == "done" for w in windows if w.key.start < until)  # never past a window that can change
        if stored is not None:
            assert stored.events == sum(w.events for w in windows if w.key.start < until)
        last = until


RACES = iter(range(10**9))
_STACKS: dict[int, Any] = {}


def racing_stack(make_stack: Callable[..., Any]) -> Any:
    """One stack for all of hypothesis's examples (each on a source of its own)."""
    key = id(make_stack)
    if key not in _STACKS:
        _STACKS.clear()
        _STACKS[key] = make_stack()
    return _STACKS[key]


class Interleaved:
    """The store, letting ``meanwhile`` run between a listing's read and its write of the mark."""

    def __init__(self, store: Any, meanwhile: Callable[[], None]) -> None:
        self.store, self.meanwhile = store, meanwhile

    def list_windows(self, *args: Any) -> Any:
        return self.store.list_windows(*args)

    def window_before(self, *args: Any) -> Any:
        return self.store.window_before(*args)

    def advance_settled(self, *args: Any) -> bool:
        self.meanwhile()
        return bool(self.store.advance_settled(*args))


def test_a_slower_orchestrator_cannot_move_the_mark_back(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    store, source = stack.store, stack.settings.sources[0]
    add_history(store, source.id, 6, {i: settled_window(source.id, i, state="pending", version=0) for i in range(3, 6)})

    def b_goes_further() -> None:  # while A was between its listing and its write
        for i in range(3, 5):
            window = store.get_window(WindowKey(source.id, T0 + i * HOUR, T0 + (i + 1) * HOUR))
            store.write(window.evolve(version=window.version + 1, state="done"), window.version, owner=None)
        WindowListing(store).windows(source, store.get_meta(source.id))

    a = WindowListing(Interleaved(store, b_goes_further))  # type: ignore[arg-type]
    assert a.windows(source, store.get_meta(source.id)).settled.until == T0 + 3 * HOUR  # what A saw
    assert store.get_meta(source.id).settled.until == T0 + 5 * HOUR  # B's mark stays: A's write was refused
    again = a.windows(source, store.get_meta(source.id))  # a.store is Interleaved: B has nothing more to do
    assert again.settled.until == T0 + 5 * HOUR and [w.key.start for w in again.windows] == [T0 + 5 * HOUR]


class NotYet(Exception):
    """``until_caught_up`` would wait for more."""


def test_run_until_caught_up_still_waits_for_a_settled_window_whose_last_part_is_not_published(
        make_stack: Callable[..., Any]) -> None:
    from orchestrator.local_run import LocalRun

    stack = make_stack()
    add_history(stack.store, stack.settings.sources[0].id, 40)
    Orchestrator(stack.settings, stack.store, stack.queue, clock=at(40.5)).tick()  # a scheduled tick: the mark moves
    assert stack.store.get_meta("gws-login").settled.until == T0 + 40 * HOUR

    def waiting(_seconds: float, _windows: int) -> None:
        raise NotYet

    # a worker died between the last checkpoint of window 3 and its publish: done, settled, not in the sink
    unpublished = LocalRun(stack.settings, stack.store, stack.queue, clock=at(40.5),
                           published=lambda w: w.key.start != T0 + 3 * HOUR)
    with pytest.raises(NotYet):
        unpublished.until_caught_up(None, wait=waiting)
    done = LocalRun(stack.settings, stack.store, stack.queue, clock=at(40.5), published=lambda w: True)
    progress = done.until_caught_up(None, wait=waiting)
    assert progress.finished and progress.windows_done == 40 and progress.events == 40 * 7
