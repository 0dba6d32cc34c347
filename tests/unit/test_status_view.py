"""What `logpull status` and the demo's closing table show an operator, rendered without
colour at 80 columns and compared with stored text (tests/unit/snapshots/): the coverage
strip shows a failed window, a pending and a running one, final passes pending and the
unscheduled tail at a glance; lag reads in words; no line passes 80 columns; no ``None``.

To accept a deliberate change of the view: ``LOGPULL_UPDATE_SNAPSHOTS=1 pytest <this file>``.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from orchestrator.coverage import segments
from orchestrator.status import source_report
from logpull.cli._coverage import cells, human_duration
from logpull.cli._render import print_status
from shared.config import SourceSettings
from shared.models import FINAL_PASS, SourceMeta, WindowKey, WindowRecord

SNAPSHOTS = Path(__file__).parent / "snapshots"
START = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
NOW = START + timedelta(hours=12, minutes=10)


def window(source: SourceSettings, index: int, state: str, *, early: bool = False,
           pass_no: int = 0, events: int = 100, error: str | None = None) -> WindowRecord:
    """``early``: its first pass read before the late horizon, so it needs a final pass."""
    start = source.start + index * source.window
    end = start + source.window
    began = end + (timedelta(minutes=1) if early else timedelta(days=1))
    return WindowRecord(key=WindowKey(source.id, start, end, pass_no), state=state,  # type: ignore[arg-type]
                        events=events, pages=2, error=error, started_at=began.timestamp())


def meta(source: SourceSettings, watermark: datetime) -> SourceMeta:
    return SourceMeta(source=source.id, watermark=watermark, enqueued_until=watermark)


def gap_source() -> tuple[SourceSettings, SourceMeta, list[WindowRecord]]:
    source = SourceSettings(id="gws-login", start=START, window=HOUR, settle=timedelta(minutes=5),
                            late_horizon=timedelta(hours=2))
    windows = [
        window(source, 0, "done"), window(source, 1, "done"),
        window(source, 2, "failed", events=0, error="HTTP 400 from the API: invalid filter"),
        window(source, 3, "done"), window(source, 4, "pending", events=0), window(source, 5, "running"),
        window(source, 6, "done", early=True), window(source, 7, "done", early=True),
        window(source, 8, "done", early=True), window(source, 8, "done", pass_no=FINAL_PASS, events=3),
    ]
    return source, meta(source, START + 9 * HOUR), windows


def long_source() -> tuple[SourceSettings, SourceMeta, list[WindowRecord]]:
    """30 days of 15-minute windows: more than fit, so a cell holds a group."""
    source = SourceSettings(id="okta-prod", kind="okta_system_log", domain="example.okta.com",
                            start=START - timedelta(days=30), window=timedelta(minutes=15),
                            settle=timedelta(minutes=5))
    windows = [window(source, i, "failed" if i == 1500 else "done", events=7) for i in range(2000)]
    return source, meta(source, source.start + 2000 * source.window), windows


def future_source() -> tuple[SourceSettings, SourceMeta | None, list[WindowRecord]]:
    return SourceSettings(id="gws-admin", application="admin", start=datetime(2999, 1, 1, tzinfo=UTC),
                          window=HOUR, settle=timedelta(minutes=1)), None, []


def report() -> dict[str, object]:
    sources = {}
    for source, source_meta, windows in (gap_source(), long_source(), future_source()):
        sources[source.id] = source_report(source, source_meta, windows, NOW.timestamp())
    return {"sources": sources, "queue": {"visible": 1, "in_flight": 1, "delayed": 0, "dlq": 1},
            "as_of": "2026-11-01T12:10:00.000Z"}


def plain(render: object, *args: object) -> str:
    """``render(*args, console)`` into text as a terminal without colour would show it."""
    out = io.StringIO()
    console = Console(file=out, width=80, no_color=True, color_system=None, force_terminal=False)
    render(*args, console)  # type: ignore[operator]
    return out.getvalue()


def matches_snapshot(text: str, name: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("LOGPULL_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "None" not in text
    assert "\x1b" not in text  # no colour codes


def test_status_with_a_gap_and_a_source_with_nothing_due() -> None:
    text = plain(print_status, report())
    matches_snapshot(text, "status.txt")
    assert "10h behind" in text and "nothing due yet" in text


def test_a_missing_window_record_shows_as_a_hole_and_one_failure_survives_grouping() -> None:
    source, _, windows = gap_source()
    holed = [w for w in windows if w.key.start != START + 3 * HOUR]
    assert segments(source, holed, START + 12 * HOUR)[1:4] == [["failed", 1], ["unscheduled", 1], ["pending", 1]]
    assert segments(source, holed, START + 12 * HOUR)[1:3] == [["failed", 1], ["unscheduled", 1]]
    assert cells([["done", 500], ["failed", 1], ["done", 499]], 10) == ["done"] * 5 + ["failed"] + ["done"] * 4
    assert cells([["done", 3], ["unscheduled", 2]], 10) == ["done"] * 3 + ["unscheduled"] * 2


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "0s"), (45, "45s"), (14 * 60, "14m"), (2 * 3600 + 14 * 60 + 5, "2h 14m"),
    (160042, "1d 20h"), (3 * 86400 + 4 * 3600 + 59, "3d 4h"),
])
def test_durations_read_in_words(seconds: int, words: str) -> None:
    assert human_duration(seconds) == words


def test_caught_up_and_colour_only_adds_to_the_characters() -> None:
    source = SourceSettings(id="g", start=START, window=HOUR, settle=timedelta(minutes=5))
    windows = [window(source, i, "done") for i in range(12)]
    src = source_report(source, meta(source, START + 12 * HOUR), windows, NOW.timestamp())
    full = {"sources": {"g": src}, "queue": {"visible": 0, "in_flight": 0, "delayed": 0, "dlq": 0},
            "as_of": "2026-11-01T12:10:00.000Z"}
    text = plain(print_status, full)
    assert "g: caught up (complete until 2026-11-01 12:00Z)" in text
    assert "|████████████|" in text
    out = io.StringIO()
    print_status(full, Console(file=out, width=80, force_terminal=True, color_system="standard"))
    assert "\x1b[" in out.getvalue() and "████████████" in out.getvalue()
