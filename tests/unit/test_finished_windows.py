"""`logpull run` wakes when its forked workers say windows ended, not at the next tick."""

from __future__ import annotations

import os
import threading
import time

from logpull.cli._workers import FinishedWindows
from worker.loop import _notify


def test_wait_returns_once_the_windows_left_have_ended() -> None:
    finished = FinishedWindows()
    threading.Timer(0.1, lambda: [_notify(finished.write_fd) for _ in range(3)]).start()
    began = time.monotonic()
    finished.wait(60.0, 3)
    assert time.monotonic() - began < 30  # woken by the workers, not by the 60 s timeout


def test_wait_times_out_when_fewer_windows_ended() -> None:
    finished = FinishedWindows()
    _notify(finished.write_fd)
    began = time.monotonic()
    finished.wait(0.3, 2)
    assert time.monotonic() - began >= 0.3


def test_a_full_pipe_never_blocks_a_worker() -> None:
    finished = FinishedWindows()
    for _ in range(100_000):  # more than a pipe holds: the extra bytes are dropped
        _notify(finished.write_fd)
    os.close(finished.write_fd)
    _notify(finished.write_fd)  # a closed pipe (the parent gone) is ignored too
