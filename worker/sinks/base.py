"""The sink port and the naming scheme every sink shares.

Commit protocol for page ``seq`` of a window pass (see docs/exactly-once.md):

1. ``stage``   — write the filtered page to ``_staging/…/<seq>.<owner>``; private,
                 deterministic per (window, pass, seq, lease owner), overwrite is fine.
2. checkpoint  — the state store accepts the page (next token, counts, boundary and the
                 staged name) in one write fenced by version and lease.
3. ``publish`` — move the accepted staged object to its committed name (idempotent, and
                 the committed name is written once: never replaced by a re-publish).

Only an accepted page is ever published, and its committed name is a function of
(window, pass, seq), so a re-run can only re-publish the same bytes to the same name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import orjson

from shared.models import WindowKey
from worker.sources.base import Event


class Sink(Protocol):
    def stage(self, key: WindowKey, seq: int, owner: str, data: bytes) -> str:
        """Write a staged part (``data``: JSON lines); return its reference (to store
        in the checkpoint)."""
        ...

    def publish(self, key: WindowKey, seq: int, staged: str) -> None:
        """Make the staged part committed; a no-op when it already is."""
        ...

    def published(self, key: WindowKey, seq: int) -> bool:
        """The part is at its committed name (a crash between a checkpoint and its
        publish leaves it staged until the task's message comes back)."""
        ...

    def probe(self) -> None:
        """Write and delete a small object under a private (``_``) name; raise
        ``shared.errors.SinkUnwritable`` naming the sink and the cause if it cannot."""
        ...

    def cleanup(self, key: WindowKey) -> None:
        """Remove staged leftovers of a finished window pass (stale owners' parts)."""
        ...

    def committed_items(self, key: WindowKey, since: int | None = None) -> Iterable[dict[str, Any]]:
        """Every committed item of the window (all passes), for a final pass's dedup;
        with ``since``, only those of ``key``'s pass in its parts from seq ``since`` on."""
        ...


def _compact(key: WindowKey) -> tuple[str, str, str]:
    start = key.start.strftime("%Y%m%dT%H%M%S") + f"{key.start.microsecond // 1000:03d}Z"
    end = key.end.strftime("%Y%m%dT%H%M%S") + f"{key.end.microsecond // 1000:03d}Z"
    return key.start.strftime("%Y-%m-%d"), start, end


def window_prefix(key: WindowKey) -> str:
    """``<source>/dt=YYYY-MM-DD/<start>_<end>`` — all parts of one window share it."""
    day, start, end = _compact(key)
    return f"{key.source}/dt={day}/{start}_{end}"


def committed_name(key: WindowKey, seq: int, suffix: str) -> str:
    return f"{window_prefix(key)}_p{key.pass_no}_{seq:06d}{suffix}"


def part_wanted(name: str, key: WindowKey, since: int | None) -> bool:
    """A committed part's name (see ``committed_name``) is of ``key``'s pass and from seq
    ``since`` on (any part of the window when ``since`` is None)."""
    if since is None:
        return True
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]  # <start>_<end>_p<pass>_<seq>
    _, pass_text, seq_text = stem.rsplit("_", 2)
    return pass_text == f"p{key.pass_no}" and int(seq_text) >= since


def staging_prefix(key: WindowKey) -> str:
    day, start, end = _compact(key)
    return f"_staging/{key.source}/{start}_{end}_p{key.pass_no}/"


def staged_name(key: WindowKey, seq: int, owner: str, suffix: str) -> str:
    safe_owner = "".join(c if c.isalnum() or c in "-_" else "-" for c in owner)
    return f"{staging_prefix(key)}{seq:06d}.{safe_owner}{suffix}"


def encode_lines(events: Iterable[Event], meta: dict[str, Any]) -> bytes:
    """One JSON line per event: the API's item as received plus one ``_logpull`` key,
    spliced in before its closing brace (``Event.raw`` is one line and not empty)."""
    tail = b',"_logpull":' + orjson.dumps(meta) + b"}\n"
    return b"".join([event.raw[:-1] + tail for event in events])
