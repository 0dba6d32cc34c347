"""The parts of the worker's overlap that need no AWS: a source shared by threads
fetching one page at a time, and the heartbeat of a message that waited before its task
began (a claim's lease counts from the message's latest visibility)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.errors import RetryableError
from shared.models import WindowKey
from shared.timeutil import format_instant
from worker.heartbeat import Heartbeat
from worker.sources.base import Page, Query
from worker.sources.serial import OneAtATime

START = datetime(2026, 11, 1, tzinfo=UTC)
KEY = WindowKey("gws-login", START, START + timedelta(hours=1))


def at(minutes: float) -> str:
    return format_instant(START + timedelta(minutes=minutes))


class _Overlapping:
    """A source that notices two fetches at once (its HTTP client would be corrupted)."""

    ordering = "newest_first"

    def __init__(self) -> None:
        self.inside = 0
        self.overlaps = 0
        self.calls = 0
        self._count = threading.Lock()

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        with self._count:
            self.inside += 1
            self.calls += 1
            self.overlaps += self.inside > 1
        time.sleep(0.002)
        with self._count:
            self.inside -= 1
        return Page(items=[], next_token=None)

    def identity(self, item: dict[str, Any]) -> str:
        return "id"

    def event_time(self, item: dict[str, Any]) -> str:
        return "t"


def test_threads_sharing_a_source_fetch_one_page_at_a_time() -> None:
    inner = _Overlapping()
    source = OneAtATime(inner)
    query = Query(START, START + timedelta(hours=1))
    threads = [threading.Thread(target=lambda: [source.fetch(query, None, 5) for _ in range(20)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (inner.calls, inner.overlaps) == (80, 0)
    assert source.ordering == "newest_first" and source.identity({}) == "id" and source.event_time({}) == "t"


class _Slow(_Overlapping):
    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        time.sleep(1.0)
        return Page(items=[], next_token=None)


def test_waiting_for_the_client_counts_in_the_timeout() -> None:
    source = OneAtATime(_Slow())
    query = Query(START, START + timedelta(hours=1))
    busy = threading.Thread(target=source.fetch, args=(query, None, 5))
    busy.start()
    time.sleep(0.1)
    with pytest.raises(RetryableError, match="stayed busy"):
        source.fetch(query, None, 0.2)  # the client is busy for ~0.9 s more
    busy.join()


class _Queue:
    def __init__(self) -> None:
        self.extended = threading.Event()

    def change_visibility(self, receipt: str, seconds: int, lane: str = "live") -> None:
        self.extended.set()


def test_a_message_that_waited_is_made_invisible_again_as_soon_as_its_task_starts() -> None:
    """Received ahead 50 s ago with a 60 s lease: its first beat is overdue (due 20 s
    after it was received), so it comes at once, not 20 s after the task started."""
    queue = _Queue()
    heartbeat = Heartbeat(None, queue, KEY, "me", "receipt", 60.0, time.time,  # type: ignore[arg-type]
                          since=time.time() - 50)
    heartbeat.leased.clear()  # a claim to come: only the message is kept invisible
    heartbeat.start()
    try:
        assert queue.extended.wait(10), "no beat within 10 s (the next would be due in 20 s)"
        until = time.monotonic() + 10
        while heartbeat.lease_until() < time.time() + 50 and time.monotonic() < until:
            time.sleep(0.01)  # (the beat records the new visibility right after the call)
        assert heartbeat.lease_until() > time.time() + 50  # and a claim now takes a lease from then
    finally:
        heartbeat.stop()
