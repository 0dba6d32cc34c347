"""SIGTERM or SIGINT to `logpull run`: its forked workers hand their tasks back and
exit, then it exits 0; no worker survives it, and a run after it finishes the job
exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests_e2e_helpers import run_cli

from shared.verify import compare_sink

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers and /proc: Linux")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_run_stops_its_workers_and_a_later_run_finishes_exactly_once(
    signum: int, make_stack: Callable[..., Any], simulator: Callable[..., Any]
) -> None:
    sim = simulator(events=600, seed=5, start=START, end=START + timedelta(hours=4), page_latency=0.3)
    stack = make_stack(sim.url, source={"end": "2026-11-01T04:00:00Z", "page_size": 20},
                       worker={"lease": "30s", "task_deadline": "60s"})
    run = subprocess.Popen([sys.executable, "-m", "logpull.cli", "run", "--workers", "2", "--until-caught-up",
                            "-c", str(stack.config_path)],
                           stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        for _ in range(300):  # until the workers are reading pages
            if sum(w.pages for w in stack.store.list_windows("gws-login")) >= 2:
                break
            time.sleep(0.1)
        workers = children(run.pid)
        assert len(workers) >= 2, workers
        run.send_signal(signum)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr.decode()[-3000:]
    assert b"Traceback" not in stderr
    assert b'"outcome": "retry"' in stderr and b"stop requested" in stderr  # tasks handed back
    assert not [pid for pid in workers if alive(pid)]
    windows = list(stack.store.list_windows("gws-login"))
    assert not [w for w in windows if w.state == "running"]  # every lease released, none left to expire

    again = run_cli("run", "--workers", "2", "--until-caught-up", "-c", str(stack.config_path))
    assert again.returncode == 0, again.stderr[-3000:]
    result = compare_sink(sim.ground_truth(), str(stack.sink_root))
    assert (result.missing, result.duplicates, result.expected) == (0, 0, 600)
