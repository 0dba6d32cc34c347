"""The progress of `run` and `demo`, and the demo's closing table (snapshot at 80 columns,
without colour): lines written to stderr while the live display is up come out above it;
without a terminal, one plain line every few seconds and never a carriage return."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from orchestrator.local_run import Progress
from logpull.cli._demo_summary import DemoOutcome, print_closing_table
from logpull.cli._progress import ProgressDisplay

SNAPSHOTS = Path(__file__).parent / "snapshots"


def test_without_a_terminal_a_line_every_few_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    display = ProgressDisplay("logpull demo", every=5.0, structured=False, tty=False, clock=lambda: now[0])
    for second, done in ((0, 0), (1, 1), (2, 2), (6, 3), (7, 4)):
        now[0] = second
        display(Progress(windows_total=4, windows_done=done, events=done * 10, pages=done))
    display.close()
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.splitlines() == [
        "progress: 0/4 windows done, 0 events, 0 pages, 0 continuations, 0s elapsed",
        "progress: 3/4 windows done, 30 events, 3 pages, 0 continuations, 6s elapsed",
        "progress: 4/4 windows done, 40 events, 4 pages, 0 continuations, 7s elapsed",  # the last, at close
    ]


def test_lines_written_to_stderr_print_above_the_live_display(capfd: pytest.CaptureFixture[str]) -> None:
    with ProgressDisplay("logpull run", tty=True) as display:
        os.write(2, b"a worker's log line\n")  # at the descriptor, as a worker process writes
        display(Progress(windows_total=2, windows_done=1, events=5, pages=1))
        os.write(2, b"the last line")
    os.write(2, b"\nafter\n")  # fd 2 is the terminal again
    err = capfd.readouterr().err
    assert err.count("a worker's log line") == 1 and err.count("the last line") == 1
    assert err.index("a worker's log line") < err.index("1/2") < err.index("the last line") < err.index("after")


def outcome(**changes: object) -> DemoOutcome:
    values: dict[str, object] = dict(
        expected=20_000, committed=20_000, missing=0, duplicates=0, unexpected=0, altered=0,
        windows_done=24, windows_failed=0, pages=213, continuations=55, first_pages_reread=0,
        late_events=12, worker_restarts=1, seconds=28.25, sink="/tmp/logpull-demo-x/sink",
        faults={"429": 5, "500": 0, "reset": 1, "truncated": 2},
    )
    return DemoOutcome(**{**values, **changes})  # type: ignore[arg-type]


def rendered(result: DemoOutcome) -> str:
    out = io.StringIO()
    print_closing_table(result, Console(file=out, width=80, no_color=True, color_system=None))
    return out.getvalue()


def test_the_demo_says_what_it_proved() -> None:
    text = rendered(outcome())
    expected = (SNAPSHOTS / "demo.txt")
    if os.environ.get("LOGPULL_UPDATE_SNAPSHOTS"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 80 and "None" not in text
    assert "missing 0, duplicates 0 against the ground truth" in text


def test_the_demo_says_when_it_failed_and_when_no_fault_was_injected() -> None:
    text = rendered(outcome(missing=3, faults={}))
    assert "FAILED" in text and "missing 3" in text and "none (try --fault-rate" in text


def test_a_demo_with_failed_windows_points_to_what_still_exists() -> None:
    """Its emulator (and DLQ) end with the demo: no `logpull dlq list` hint (#23)."""
    text = rendered(outcome(windows_failed=2))
    assert "2 FAILED" in text and "dlq list" not in text and "task_finished" in text
