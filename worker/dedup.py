"""Exactly-once filtering of one page against what the window already committed.

A window pass is read in the API's order (newest-first for Google). The window record
keeps a *boundary*: the instant of the last committed event in reading order and the
identities committed at exactly that instant. An item at or beyond the boundary that is
already known is dropped, so re-reading a page after a crash, a shifted page, or a
restart after a rejected token never commits an event twice. Items outside the window's
``[start, end)`` are dropped too, so an event on an edge lands in exactly one window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.models import Boundary
from shared.timeutil import format_instant
from worker.sources.base import Event, Ordering


def identity_hash(identity: str) -> str:
    return hashlib.blake2b(identity.encode("utf-8"), digest_size=10).hexdigest()


@dataclass(frozen=True)
class Filtered:
    items: list[Event]
    boundary: Boundary
    dropped_edge: int
    dropped_seen: int


def filter_page(
    items: Sequence[Event],
    boundary: Boundary,
    window: tuple[datetime, datetime],
    ordering: Ordering,
    exclude: frozenset[str] = frozenset(),
) -> Filtered:
    """Keep the page's items that belong to ``window`` and were not committed before
    (by this pass: the boundary; by an earlier pass: ``exclude``, identity hashes).

    The usual page (all of it inside the window, beyond the boundary, no identity twice)
    is kept whole, checked with built-ins only; any other goes item by item, in one pass
    with no call per item: an identity is hashed only for an item exactly at the
    boundary's instant or when ``exclude`` is given."""
    if boundary.spilled:
        raise ValueError("the boundary's ids are in the sink: load them before filtering")
    start_text, end_text = (format_instant(t) for t in window)
    if ordering == "none":
        return _unordered(items, boundary, start_text, end_text, exclude)
    newest_first = ordering == "newest_first"
    edge_time, edge_ids = boundary.time, boundary.ids
    if items and not exclude:
        times = [item.time for item in items]
        low, high = min(times), max(times)
        unread = edge_time is None or (high < edge_time if newest_first else low > edge_time)
        if unread and start_text <= low and high < end_text and len({item.identity for item in items}) == len(items):
            whole = list(items)
            return Filtered(whole, _advance(boundary, whole, newest_first), 0, 0)
    kept: list[Event] = []
    page_ids: set[str] = set()
    dropped_edge = seen = 0
    for item in items:
        t = item.time
        if t < start_text or t >= end_text:
            dropped_edge += 1
            continue
        ident = item.identity
        if edge_time is not None and (
            (identity_hash(ident) in edge_ids) if t == edge_time
            else (t > edge_time if newest_first else t < edge_time)  # the already-read side
        ):
            seen += 1
            continue
        if ident in page_ids or (exclude and identity_hash(ident) in exclude):
            seen += 1
            continue
        page_ids.add(ident)
        kept.append(item)
    return Filtered(kept, _advance(boundary, kept, newest_first), dropped_edge, seen)


UNORDERED = ""  # the boundary instant of an unordered pass: its ids are all the pass committed


def _unordered(items: Sequence[Event], boundary: Boundary, start_text: str, end_text: str,
               exclude: frozenset[str]) -> Filtered:
    """An API in no order of time: an item is new unless its identity was committed by
    this pass (the boundary's ids: all of them) or an earlier one (``exclude``)."""
    known, page_ids = boundary.ids, set()
    kept: list[Event] = []
    dropped_edge = seen = 0
    for item in items:
        if item.time < start_text or item.time >= end_text:
            dropped_edge += 1
            continue
        hashed = identity_hash(item.identity)
        if hashed in known or hashed in page_ids or hashed in exclude:
            seen += 1
            continue
        page_ids.add(hashed)
        kept.append(item)
    if not kept:
        return Filtered(kept, boundary, dropped_edge, seen)
    return Filtered(kept, Boundary(UNORDERED, known | page_ids, boundary.since), dropped_edge, seen)


def _advance(boundary: Boundary, kept: list[Event], newest_first: bool) -> Boundary:
    """The boundary after committing ``kept`` (order within a page does not matter)."""
    if not kept:
        return boundary
    times = [item.time for item in kept]
    edge_time = min(times) if newest_first else max(times)
    ids = {identity_hash(item.identity) for item in kept if item.time == edge_time}
    if edge_time == boundary.time:
        ids |= boundary.ids
    return Boundary(edge_time, frozenset(ids))
