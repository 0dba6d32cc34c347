"""Generated LogEvents, pre-serialised, in two orders with keyset range lookups.

*Published order* (bounded queries): ascending by ``published`` (epoch ms), then by
``uuid``. A ``uuid`` is kept as its 128-bit integer, whose order equals the order of the
lowercase hyphenated text. *Persistence order* (polling queries): ascending by the time
an event became visible (``visible_at``, clock seconds), then by ``uuid``.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Match = Callable[[bytes], bool]
Position = tuple[int, int]  # (published ms, uuid int): a keyset position in published order
PollPosition = tuple[float, int]  # (visible_at, uuid int): one in persistence order


@dataclass(frozen=True, slots=True)
class Page:
    blobs: list[bytes]
    last: Position | None  # published order: position of the last item returned
    last_persisted: PollPosition | None  # persistence order: the same for polling
    more: bool  # at least one further item matches and is visible now


class OktaStore:
    """Read-only after construction; safe to share between handler threads."""

    def __init__(
        self, published: array[int], uuids: list[int], visible_at: array[float], blobs: list[bytes]
    ) -> None:
        """All four in published order (``published`` ascending, then ``uuids``)."""
        self._published = published
        self._uuids = uuids
        self._visible_at = visible_at
        self._blobs = blobs
        order = sorted(range(len(blobs)), key=lambda i: (visible_at[i], uuids[i]))
        self._persist_order = array("q", order)
        self._persist_visible = array("d", [visible_at[i] for i in order])

    def __len__(self) -> int:
        return len(self._blobs)

    def bounded_page(
        self,
        lo_ms: int,
        hi_ms: int,
        after: Position | None,
        *,
        descending: bool,
        limit: int,
        now: float,
        match: Match | None = None,
    ) -> Page:
        """Items with ``lo_ms <= published < hi_ms`` strictly beyond ``after`` in the
        requested direction, visible at ``now``: the first ``limit`` and whether more exist."""
        published = self._published
        begin = bisect_left(published, lo_ms)
        # Nothing published after ``now`` can be visible: every lag is >= 0.
        stop = min(bisect_left(published, hi_ms), bisect_right(published, int(now * 1000)))
        if after is not None:
            same_lo, same_hi = bisect_left(published, after[0]), bisect_right(published, after[0])
            if descending:
                stop = min(stop, bisect_left(self._uuids, after[1], same_lo, same_hi))
            else:
                begin = max(begin, bisect_right(self._uuids, after[1], same_lo, same_hi))
        span = range(stop - 1, begin - 1, -1) if descending else range(begin, stop)
        chosen, more = self._scan(span, now, limit, match)
        last = (published[chosen[-1]], self._uuids[chosen[-1]]) if chosen else None
        return Page([self._blobs[i] for i in chosen], last, None, more)

    def polling_page(
        self,
        since: float,
        after: PollPosition | None,
        *,
        limit: int,
        now: float,
        match: Match | None = None,
    ) -> Page:
        """Items that became visible at or after ``since`` and at or before ``now``,
        strictly beyond ``after``, in persistence order."""
        persisted = self._persist_visible
        begin = bisect_left(persisted, since)
        stop = bisect_right(persisted, now)
        if after is not None:
            same_lo, same_hi = bisect_left(persisted, after[0]), bisect_right(persisted, after[0])
            order, uuids = self._persist_order, self._uuids
            # Within one visible_at instant, positions are in uuid order.
            cut = same_lo
            while cut < same_hi and uuids[order[cut]] <= after[1]:
                cut += 1
            begin = max(begin, cut)
        span = (self._persist_order[p] for p in range(begin, stop))
        chosen, more = self._scan(span, now, limit, match)
        last = (self._visible_at[chosen[-1]], self._uuids[chosen[-1]]) if chosen else None
        return Page([self._blobs[i] for i in chosen], None, last, more)

    def _scan(
        self, span: Iterable[int], now: float, limit: int, match: Match | None
    ) -> tuple[list[int], bool]:
        """The first ``limit`` visible, matching indices of ``span``; and "one more exists"."""
        visible_at, blobs = self._visible_at, self._blobs
        chosen: list[int] = []
        for index in span:
            if visible_at[index] <= now and (match is None or match(blobs[index])):
                if len(chosen) == limit:
                    return chosen, True
                chosen.append(index)
        return chosen, False

    def truth_blobs(self, at: float | None = None) -> list[bytes]:
        """Every event (or those visible at ``at``) in published order, as served."""
        if at is None:
            return list(self._blobs)
        visible_at = self._visible_at
        return [blob for i, blob in enumerate(self._blobs) if visible_at[i] <= at]

    def truth(self, at: float | None = None) -> list[dict[str, Any]]:
        return [json.loads(blob) for blob in self.truth_blobs(at)]
