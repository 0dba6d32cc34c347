"""How ``logpull run`` and ``logpull demo`` start their worker processes."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from collections.abc import Callable

from orchestrator.local_run import WorkerProcess
from shared.config import Settings


class ForkedWorker:
    """A worker forked from this process once it has imported boto3, the API client
    libraries and the sources: no interpreter start-up and no imports (about one
    CPU-second per worker, which 8 workers on 2 cores notice). Only from a process
    without other threads (``logpull run``'s parent)."""

    def __init__(self, config_path: str | None) -> None:
        from worker.loop import main as worker_main

        self._proc = multiprocessing.get_context("fork").Process(target=worker_main, args=(config_path,))
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


def worker_command(config_path: str | None) -> list[str]:
    command = [sys.executable, "-m", "shared.cli", "work"]
    return command + (["-c", config_path] if config_path else [])


def spawn_subprocess(config_path: str | None) -> Callable[[], WorkerProcess]:
    """``logpull work`` as a fresh interpreter (safe from any parent)."""
    command = worker_command(config_path)
    return lambda: subprocess.Popen(command)


def spawn_forked(settings: Settings, config_path: str | None) -> Callable[[], WorkerProcess]:
    """Forked workers where fork is sound (Linux), after importing what they need."""
    if sys.platform != "linux":
        return spawn_subprocess(config_path)
    import worker.loop  # noqa: F401 - imported once here, inherited by every fork
    from worker.sources.registry import factory_for

    from shared.heap import freeze_long_lived

    for kind in {s.kind for s in settings.sources}:
        factory_for(kind)
    freeze_long_lived()  # once here: every fork inherits it (and its collection)
    return lambda: ForkedWorker(config_path)
