"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys


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
