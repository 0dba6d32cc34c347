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
from collections.abc import Iterable
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


def _is_past(time_text: str, boundary_time: str, ordering: Ordering) -> bool:
    """True when ``time_text`` lies on the already-read side of the boundary."""
    return time_text > boundary_time if ordering == "newest_first" else time_text < boundary_time


def filter_page(
    items: Iterable[Event],
    boundary: Boundary,
    window: tuple[datetime, datetime],
    ordering: Ordering,
    exclude: frozenset[str] = frozenset(),
) -> Filtered:
    """Keep the page's items that belong to ``window`` and were not committed before
    (by this pass: the boundary; by an earlier pass: ``exclude``, identity hashes)."""
    start_text, end_text = (format_instant(t) for t in window)
    kept: list[tuple[str, str, Event]] = []
    page_ids: set[str] = set()
    edge = seen = 0
    for item in items:
        t = item.time
        if t < start_text or t >= end_text:
            edge += 1
            continue
        ident = item.identity
        if ident in page_ids or _already_committed(t, ident, boundary, ordering) or (
            exclude and identity_hash(ident) in exclude
        ):
            seen += 1
            continue
        page_ids.add(ident)
        kept.append((t, ident, item))
    return Filtered([k[2] for k in kept], _advance(boundary, kept, ordering), edge, seen)


def _already_committed(t: str, ident: str, boundary: Boundary, ordering: Ordering) -> bool:
    if boundary.time is None:
        return False
    if t == boundary.time:
        return identity_hash(ident) in boundary.ids
    return _is_past(t, boundary.time, ordering)


def _advance(
    boundary: Boundary, kept: list[tuple[str, str, Event]], ordering: Ordering
) -> Boundary:
    """The boundary after committing ``kept`` (order within a page does not matter)."""
    if not kept:
        return boundary
    pick = min if ordering == "newest_first" else max
    edge_time = pick(t for t, _, _ in kept)
    ids = {identity_hash(ident) for t, ident, _ in kept if t == edge_time}
    if edge_time == boundary.time:
        ids |= boundary.ids
    return Boundary(edge_time, frozenset(ids))
