"""An API endpoint that accepts connections and never answers (a firewall or proxy
holding them, the wrong port of a live host): `run --until-caught-up` should end on its
own, fast, with one line naming the endpoint, as it does for one that refuses
connections (tests/e2e/test_cli_errors.py). The start-up check opened a TCP connection
only, so every window waited out its page timeouts and retries instead (still running
after 12 s here; minutes, and a DLQ entry per window, with the defaults)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e
BOUND_S = 12  # a start-up check that waits 5 s for an answer ends well within this


def test_run_against_an_api_that_never_answers_ends_fast(make_stack: Callable[..., Any], silent_endpoint: str) -> None:
    stack = make_stack(silent_endpoint, source={"end": "2026-11-01T03:00:00Z"}, max_receive_count=3)
    proc = subprocess.Popen([sys.executable, "-m", "logpull.cli", "run", "--until-caught-up", "--workers", "1",
                             "-c", str(stack.config_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # `run` and the workers it forked (a SIGTERM waits for their pages)
        proc.communicate(timeout=60)
        raise AssertionError(f"`run --until-caught-up` against a silent API was still running after {BOUND_S} s") from None
    assert proc.returncode == 1, stderr[-3000:]
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("logpull: error:")]
    assert len(errors) == 1 and silent_endpoint in errors[0], stderr[-3000:]
