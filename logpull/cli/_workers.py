"""How ``logpull run`` and ``logpull demo`` start their worker processes."""

from __future__ import annotations

import multiprocessing
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable

from orchestrator.local_run import WorkerProcess
from shared.config import Settings
from shared.heap import freeze_long_lived


class ForkedWorker:
    """A worker forked from this process once it has imported boto3, the API client
    libraries and the sources: no interpreter start-up and no imports (about one
    CPU-second per worker, which 8 workers on 2 cores notice). Only from a process
    without other threads (``logpull run``'s parent)."""

    def __init__(self, config_path: str | None, notify_fd: int | None = None, terminal: bool = False) -> None:
        from worker.loop import main as worker_main

        self._proc = multiprocessing.get_context("fork").Process(target=worker_main,
                                                                  args=(config_path, False, notify_fd, terminal))
        self._proc.start()
        self.pid = self._proc.pid or 0

    def poll(self) -> int | None:
        return self._proc.exitcode

    def terminate(self) -> None:
        self._proc.terminate()

    def kill(self) -> None:
        self._proc.kill()

    def wait(self, timeout: float | None = None) -> int:
        self._proc.join(timeout)
        if self._proc.exitcode is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
        return self._proc.exitcode


def worker_command(config_path: str | None, terminal: bool = False) -> list[str]:
    command = [sys.executable, "-m", "logpull.cli", "work"] + (["--stderr-terminal"] if terminal else [])
    return command + (["-c", config_path] if config_path else [])


def spawn_subprocess(config_path: str | None, terminal: bool = False) -> Callable[[], WorkerProcess]:
    """``logpull work`` as a fresh interpreter (safe from any parent). ``terminal``: this
    process prints the workers' stderr on a terminal (see ``shared.log``)."""
    command = worker_command(config_path, terminal)
    return lambda: subprocess.Popen(command)


class FinishedWindows:
    """A pipe the forked workers write one byte to whenever a task ends its window, so
    that ``logpull run`` looks again as soon as the last windows may be done, instead of
    at its next tick."""

    def __init__(self) -> None:
        self._read, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)

    def wait(self, seconds: float, windows: int) -> None:
        """Return after ``seconds``, or once ``windows`` windows have ended."""
        deadline, seen = time.monotonic() + seconds, 0
        while seen < max(1, windows) and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                seen += len(os.read(self._read, 4096))


def spawn_forked(settings: Settings, config_path: str | None, notify_fd: int | None = None,
                 terminal: bool = False) -> Callable[[], WorkerProcess]:
    """Forked workers where fork is sound (Linux), after importing what they all need.

    The first worker is forked before the API client libraries are imported: it imports
    them itself while this process plans the first windows (on two cores that takes the
    imports off the way to the first page). This process imports them before the second
    fork, so any other worker (and any restarted one) inherits them."""
    if sys.platform != "linux":
        return spawn_subprocess(config_path, terminal)
    import worker.loop  # noqa: F401 - boto3, the state store, queue and sinks: inherited by every fork

    freeze_long_lived()  # once here: every fork inherits it (and its collection)
    forked = 0

    def spawn() -> WorkerProcess:
        nonlocal forked
        if forked == 1:
            _import_sources(settings)
        forked += 1
        return ForkedWorker(config_path, notify_fd, terminal)

    return spawn


def _import_sources(settings: Settings) -> None:
    from worker.sources.registry import preload

    preload(s.kind for s in settings.sources)
    freeze_long_lived()
