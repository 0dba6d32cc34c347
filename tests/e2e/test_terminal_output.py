"""What `logpull run --until-caught-up` writes (#23 item 2): on a terminal, every
process's lines in one console format above the progress display (no JSON line, the
forked workers' included); piped, JSON lines only, about one per task run, and a normal
end says nothing of signals."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests_e2e_helpers import log_lines, run_cli

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)
HOURS = 12  # one window an hour
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")
SIGNAL_WORDS = ("signal", "SIGTERM", "stop_requested")


def auto_format(stack: Any) -> Path:
    """The stack's config with the default log format (the tests' stacks ask for JSON)."""
    path: Path = stack.config_path
    path.write_text(path.read_text().replace('format = "json"', 'format = "auto"'))
    return path


def twelve_windows(make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> Path:
    sim = simulator(events=600, seed=11, start=START, end=START + timedelta(hours=HOURS), page_latency=0.05)
    end = (START + timedelta(hours=HOURS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return auto_format(make_stack(sim.url, source={"end": end, "page_size": 25}))


def on_a_pty(*args: str, timeout: float = 240) -> tuple[int, str]:
    """``logpull ARGS`` with a pseudo-terminal as its stdin, stdout and stderr; its exit
    code and everything it wrote there, colours and cursor moves removed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM")}
    proc = subprocess.Popen([sys.executable, "-m", "logpull.cli", *args], stdin=slave, stdout=slave,
                            stderr=slave, env={**env, "TERM": "xterm-256color", "PYTHONUNBUFFERED": "1"},
                            close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                raise AssertionError("no output for a long time: " + b"".join(chunks).decode()[-2000:])
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers under a pty: Linux")
def test_on_a_terminal_no_line_is_json_and_the_workers_lines_are_console_lines(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    config = twelve_windows(make_stack, simulator)
    code, screen = on_a_pty("run", "--workers", "2", "--until-caught-up", "-c", str(config))
    assert code == 0, screen[-3000:]
    lines = [line.strip() for line in re.split(r"[\r\n]+", screen) if line.strip()]
    for line in lines:
        with pytest.raises(ValueError):
            json.loads(line)
    assert '{"' not in screen  # not even a JSON line overwritten by the display
    assert screen.count("task_finished") >= HOURS  # the workers' canonical lines, as console lines
    assert "caught up: 12 windows" in screen
    assert not [word for word in SIGNAL_WORDS if word in screen]


def test_piped_json_lines_about_one_per_task_run_and_no_signal_at_a_normal_end(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    config = twelve_windows(make_stack, simulator)
    result = run_cli("run", "--workers", "2", "--until-caught-up", "-c", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    records = log_lines(result.stderr)
    assert not [r for r in records if any(word in json.dumps(r) for word in SIGNAL_WORDS)]
    assert len(lines) <= 2 * HOURS, "\n".join(lines)
    assert [line for line in lines if not line.startswith("{")] == [lines[-1]]  # the outcome, one plain line
    assert lines[-1].startswith("caught up: 12 windows")
    finished = [r for r in records if r["event"] == "task_finished"]
    assert len(finished) == HOURS and {r["outcome"] for r in finished} == {"done"}
