"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``logpull ARGS`` in a subprocess, as a user would run it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "logpull.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


def log_lines(stderr: str) -> list[dict[str, object]]:
    """The JSON log lines among a process's stderr."""
    lines = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


class Processes:
    """``logpull`` commands as subprocesses, each logging to a file of its own."""

    def __init__(self, config: Path, logs: Path) -> None:
        self.config, self.logs, self.count = config, logs, 0

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        self.count += 1
        log = open(self.logs / f"{args[0]}-{self.count}.log", "wb")  # noqa: SIM115
        return subprocess.Popen([sys.executable, "-m", "logpull.cli", *args, "-c", str(self.config)],
                                stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def kill_workers_until(done: Callable[[], bool], deadline: float, procs: Processes, workers: list[subprocess.Popen[bytes]],
                       others: list[subprocess.Popen[bytes]], pause: Callable[[], float], rng: random.Random) -> int:
    """SIGKILL a random worker every ``pause()`` seconds and start a new one, until
    ``done()`` or ``time.monotonic()`` passes ``deadline``; then stop every process
    gracefully (SIGTERM, as `run` and ECS do). The number of kills."""
    kills = 0
    try:
        while not done() and time.monotonic() < deadline:
            time.sleep(pause())
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            workers[victim] = procs.spawn("work")
            kills += 1
    finally:
        for proc in workers + others:
            proc.terminate()
        for proc in workers + others:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return kills
