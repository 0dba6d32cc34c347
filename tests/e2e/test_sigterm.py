"""`logpull work` (the ECS shape) on SIGTERM: checkpoint, hand the message back at once,
exit 0; the next worker resumes from the checkpoint, not from the first page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests_e2e_helpers import run_cli

from orchestrator.tick import Orchestrator
from shared.verify import compare_sink

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_sigterm_hands_the_task_back_and_the_next_worker_resumes(
    make_stack: Callable[..., Any], simulator: Callable[..., Any]
) -> None:
    sim = simulator(events=400, seed=4, start=START, end=START + timedelta(hours=1), page_latency=0.3)
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "page_size": 20},
                       worker={"lease": "30s", "task_deadline": "60s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    worker = subprocess.Popen([sys.executable, "-m", "logpull.cli", "work", "-c", str(stack.config_path)],
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    window = None
    for _ in range(200):
        window = next(iter(stack.store.list_windows("gws-login")))
        if window.pages >= 2:
            break
        time.sleep(0.1)
    assert window is not None and window.pages >= 2
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=20)
    assert worker.returncode == 0, stderr.decode()[-2000:]
    assert b'"outcome": "retry"' in stderr and b"stop requested" in stderr

    # visible again at once (not after the 30 s lease), with its checkpoint intact
    assert stack.queue.counts().visible == 1
    handed_back = next(iter(stack.store.list_windows("gws-login")))
    assert handed_back.state == "pending" and handed_back.pages >= 2 and handed_back.next_token

    resumed = run_cli("work", "-c", str(stack.config_path), "--until-idle")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert next(iter(stack.store.list_windows("gws-login"))).state == "done"
    assert [q["count"] for q in sim.stats()["first_page_requests"]] == [1]
    result = compare_sink(sim.ground_truth(), str(stack.sink_root))
    assert (result.missing, result.duplicates, result.expected) == (0, 0, 400)
