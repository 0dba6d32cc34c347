"""The orchestrator's window listing: the settled past is kept (as a mark with its
totals, in memory and in the source's meta item), the rest is read again, and what a
tick sees is always what the table holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestrator.ledger import ledger
from orchestrator.listing import WindowListing
from shared.models import FINAL_PASS, SourceMeta, WindowKey, WindowRecord

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


class CountingStore:
    """The real store, counting the window items each listing returns."""

    def __init__(self, store: Any) -> None:
        self.store, self.listed, self.since = store, 0, None

    def list_windows(self, source: str, since: str | None = None, until: str | None = None) -> Any:
        self.since = since
        for window in self.store.list_windows(source, since, until):
            self.listed += 1
            yield window

    def advance_settled(self, *args: Any) -> bool:
        return bool(self.store.advance_settled(*args))

    def window_before(self, *args: Any) -> Any:
        return self.store.window_before(*args)


def finish(store: Any, key: WindowKey, started_at: float) -> None:
    leased = store.acquire(key, "w", lease_until=2e9)
    done = leased.evolve(version=leased.version + 1, state="done", pages=1, events=5, started_at=started_at)
    store.write(done, leased.version, "w")


def test_settled_windows_are_not_read_again(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    store, source = stack.store, stack.settings.sources[0]
    records = [WindowRecord(key=WindowKey(source.id, T0 + i * HOUR, T0 + (i + 1) * HOUR)) for i in range(6)]
    store.record_windows(None, SourceMeta(source.id, T0 + 6 * HOUR, T0 + 6 * HOUR, version=1, recorded_at=1.0), records)
    backfill = (T0 + 30 * HOUR).timestamp()  # read long after the late horizon: no final pass
    live = (T0 + 2 * HOUR).timestamp()  # read while late events could still come: final pass
    for i in range(3):
        finish(store, records[i].key, backfill)
    finish(store, records[3].key, live)
    counting = CountingStore(store)
    listing = WindowListing(counting)  # type: ignore[arg-type]

    def check() -> list[WindowRecord]:
        listed = listing.windows(source, store.get_meta(source.id))
        everything = list(store.list_windows(source.id))
        assert listed.windows == [w for w in everything if w.key.start >= listed.settled.until]
        assert ledger(source, listed.windows, listed.settled) == ledger(source, everything)
        assert store.get_meta(source.id).settled == listed.settled  # stored for a cold tick
        return everything

    check()
    assert counting.listed == 6 and listing.settled_until(source.id) == T0 + 3 * HOUR
    counting.listed = 0
    check()
    # windows 0-2 come from memory; window 3 waits for its final pass, so it is read again
    assert counting.listed == 3 and counting.since == "2026-11-01T03:00:00.000Z"

    final = WindowRecord(key=replace(records[3].key, pass_no=FINAL_PASS))
    assert store.create_window(final)
    counting.listed = 0
    check()
    assert counting.listed == 4 and listing.settled_until(source.id) == T0 + 3 * HOUR
    finish(store, final.key, backfill)
    finish(store, records[4].key, backfill)
    check()
    assert listing.settled_until(source.id) == T0 + 5 * HOUR
    counting.listed = 0
    seen = check()
    assert counting.listed == 1 and len(seen) == 7
    assert sum(w.events for w in seen) == 6 * 5
    counting.listed = 0
    assert WindowListing(counting).windows(source, store.get_meta(source.id)).settled.until == T0 + 5 * HOUR  # type: ignore[arg-type]
    assert counting.listed == 1 and counting.since == "2026-11-01T05:00:00.000Z"  # cold: from the stored mark


def test_the_mark_stops_at_windows_not_yet_enqueued(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    store, source = stack.store, stack.settings.sources[0]
    records = [WindowRecord(key=WindowKey(source.id, T0 + i * HOUR, T0 + (i + 1) * HOUR)) for i in range(4)]
    store.record_windows(None, SourceMeta(source.id, T0 + 4 * HOUR, T0 + 2 * HOUR, version=1, recorded_at=1.0), records)
    for record in records:
        finish(store, record.key, (T0 + 30 * HOUR).timestamp())
    listed = WindowListing(store).windows(source, store.get_meta(source.id))
    # windows 2-3 are done, yet past the enqueue mark: the enqueuer must still find them
    assert listed.settled.until == T0 + 2 * HOUR and [w.key.start for w in listed.windows] == [T0 + 2 * HOUR, T0 + 3 * HOUR]


def test_a_bound_leaves_out_the_windows_past_it(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    store, source = stack.store, stack.settings.sources[0]
    records = [WindowRecord(key=WindowKey(source.id, T0 + i * HOUR, T0 + (i + 1) * HOUR)) for i in range(6)]
    store.record_windows(None, SourceMeta(source.id, T0 + 6 * HOUR, T0, version=1, recorded_at=1.0), records)
    finish(store, records[0].key, (T0 + 30 * HOUR).timestamp())
    listing = WindowListing(store)
    meta = store.get_meta(source.id)

    def starts(until: datetime | None) -> list[datetime]:
        return [w.key.start for w in listing.windows(source, meta, until=until).windows]

    assert starts(T0 + 2 * HOUR) == [T0, T0 + HOUR, T0 + 2 * HOUR]  # window 0 is done but not yet enqueued
    assert starts(T0 + 3 * HOUR) == [T0 + i * HOUR for i in range(4)]
    assert starts(T0) == [T0]
    assert len(starts(None)) == 6
    meta = replace(meta, enqueued_until=T0 + 6 * HOUR)
    assert starts(T0 + 2 * HOUR) == [T0 + HOUR, T0 + 2 * HOUR]  # window 0 settled: past it only
    assert starts(T0) == []
