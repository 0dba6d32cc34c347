"""The dedup boundary: overlapping, repeated and shifted pages commit each event once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from shared.models import Boundary
from shared.timeutil import format_instant, parse_instant
from worker.dedup import filter_page
from worker.sources.base import Event

START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(hours=1)


def event(ms: int, uq: int) -> Event:
    t = format_instant(START + timedelta(milliseconds=ms))
    item = {"id": {"time": t, "uniqueQualifier": str(uq), "applicationName": "login", "customerId": "C1"}}
    return Event(orjson.dumps(item), time_of(item), identity_of(item))


def time_of(item: dict[str, Any]) -> str:
    return str(item["id"]["time"])


def identity_of(item: dict[str, Any]) -> str:
    return item["id"]["time"] + "|" + item["id"]["uniqueQualifier"]


def ident(e: Event) -> str:
    return e.identity


# Event times cluster on a few instants so that many events share a timestamp, and some
# sit exactly on the window edges (0 and 3,600,000 ms).
times = st.sampled_from([0, 1, 2, 500, 1000, 3_599_999, 3_600_000, 3_600_001]) | st.integers(-5, 3_600_005)


@st.composite
def listings(draw: st.DrawFn) -> list[Event]:
    raw = draw(st.lists(times, min_size=0, max_size=60))
    events = [event(ms, uq) for uq, ms in enumerate(raw)]
    # newest first, ties in any (but fixed) order, as the API returns them
    return sorted(events, key=lambda e: (e.time, draw(st.integers(0, 3))), reverse=True)


@st.composite
def reads(draw: st.DrawFn, listing: list[Event]) -> list[list[Event]]:
    """Pages as a crashing, re-reading worker sees them: each page starts at or before
    where the previous one ended (a replay or a shifted page), and they reach the end."""
    pages, position = [], 0
    while position < len(listing) or not pages:
        back = draw(st.integers(0, min(position, 5)))
        size = draw(st.integers(1, 10))
        begin = position - back
        pages.append(listing[begin : begin + size])
        position = max(position, begin + size)
    return pages


def in_window(item: Event) -> bool:
    return START <= parse_instant(item.time) < END


@given(data=st.data())
def test_every_event_in_the_window_is_kept_exactly_once(data: st.DataObject) -> None:
    listing = data.draw(listings())
    boundary, kept = Boundary(), []
    for page in data.draw(reads(listing)):
        result = filter_page(page, boundary, (START, END), "newest_first")
        boundary = result.boundary
        kept.extend(result.items)
    ids = [ident(e) for e in kept]
    assert len(ids) == len(set(ids)), "an event was committed twice"
    assert set(ids) == {ident(e) for e in listing if in_window(e)}


def test_edges_belong_to_exactly_one_window() -> None:
    on_edge = event(3_600_000, 1)  # exactly END: belongs to the next window
    at_start = event(0, 2)
    first = filter_page([on_edge, at_start], Boundary(), (START, END), "newest_first")
    second = filter_page([on_edge], Boundary(), (END, END + timedelta(hours=1)), "newest_first")
    assert first.items == [at_start] and first.dropped_edge == 1
    assert second.items == [on_edge]


def test_oldest_first_mirror() -> None:
    listing = [event(ms, i) for i, ms in enumerate([10, 10, 20, 30])]
    one = filter_page(listing[:3], Boundary(), (START, END), "oldest_first")
    two = filter_page(listing[1:], one.boundary, (START, END), "oldest_first")
    assert len(one.items) == 3 and [ident(e) for e in two.items] == [ident(listing[3])]


def item_by_item(page: list[Event], boundary: Boundary, ordering: str) -> Any:
    """filter_page without its whole-page shortcut (a page padded with one item outside
    the window never takes it), the padding's drop taken back out."""
    outside = event(-10, 10**6) if ordering == "newest_first" else event(3_600_010, 10**6)
    padded = [*page, outside] if ordering == "newest_first" else [outside, *page]
    result = filter_page(padded, boundary, (START, END), ordering)  # type: ignore[arg-type]
    return result.items, result.boundary, result.dropped_edge - 1, result.dropped_seen


@given(data=st.data(), ordering=st.sampled_from(["newest_first", "oldest_first"]))
def test_a_whole_page_kept_at_once_is_what_item_by_item_keeps(data: st.DataObject, ordering: str) -> None:
    listing = data.draw(listings())
    if ordering == "oldest_first":
        listing.reverse()
    boundary = Boundary()
    for page in data.draw(reads(listing)):
        result = filter_page(page, boundary, (START, END), ordering)  # type: ignore[arg-type]
        assert (result.items, result.boundary, result.dropped_edge, result.dropped_seen) == \
            item_by_item(page, boundary, ordering)
        boundary = result.boundary


def test_a_page_inside_the_window_beyond_the_boundary_is_kept_whole() -> None:
    page = [event(ms, i) for i, ms in enumerate([900, 800, 800, 700])]
    first = filter_page(page[:2], Boundary(), (START, END), "newest_first")
    second = filter_page(page[2:], first.boundary, (START, END), "newest_first")
    assert first.items == page[:2] and second.items == page[2:]
    again = filter_page(page[1:3], second.boundary, (START, END), "newest_first")  # a replay: all seen
    assert again.items == [] and again.dropped_seen == 2


def test_an_event_twice_in_one_page_is_kept_once() -> None:
    page = [event(900, 1), event(800, 2), event(900, 1)]
    result = filter_page(page, Boundary(), (START, END), "newest_first")
    assert result.items == page[:2] and result.dropped_seen == 1
