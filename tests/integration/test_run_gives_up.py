"""`logpull run --until-caught-up` ends in every case: when nothing moves (no window
ends, no page is read) for ``stall_after``, it gives up non-zero and names the windows
of the configured range that are not done, instead of waiting forever."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from logpull.cli._running import report_outcome
from orchestrator.local_run import LocalRun, stall_after

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_run_where_nothing_moves_ends_non_zero_naming_the_open_windows(
    make_stack: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_stack(source={"end": "2026-11-01T03:00:00Z"})  # no worker will ever read these
    now = [(T0 + timedelta(hours=10)).timestamp()]
    began = now[0]

    def wait(_seconds: float, _windows: int) -> None:
        now[0] += 60.0
        if now[0] - began > 86400:
            raise TimeoutError("the run never gave up")

    local = LocalRun(stack.settings, stack.store, stack.queue, clock=lambda: now[0])
    progress = local.until_caught_up(None, wait=wait)
    assert (
        progress.stuck is not None
        and stall_after(stack.settings) <= progress.stuck < stall_after(stack.settings) + 120
    )
    assert report_outcome(progress) == 1
    err = capsys.readouterr().err
    assert (
        "not caught up: nothing moved for" in err
        and "3 window(s) of the configured range not done" in err
    )
    assert "gws-login [2026-11-01T00:00:00.000Z, 2026-11-01T01:00:00.000Z) pending" in err
