"""What `status` and `check` say an edit of the config changed against the recorded
state (README, "Editing the config"): one line per edit, none when nothing changed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from logpull.cli._render import print_status
from orchestrator.config_changes import Recorded, changes
from orchestrator.settled import basis
from orchestrator.status import source_report
from shared.config import SourceSettings
from shared.models import SourceMeta, WindowKey, WindowRecord
from shared.settled import SettledMark

T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def source(**over: Any) -> SourceSettings:
    keys: dict[str, Any] = {
        "id": "gws-login",
        "start": "2026-11-01T00:00:00Z",
        "window": "1h",
        "late_horizon": "1h",
    }
    return SourceSettings(**{**keys, **over})


def recorded(cover: tuple[datetime, datetime] | None = None) -> Recorded:
    """Windows [00:00, 10:00) of 1h, settled up to 06:00 under start 00:00 and a 1h horizon."""
    mark = SettledMark(until=T0 + 6 * HOUR, basis=basis(source()))
    meta = SourceMeta("gws-login", T0 + 10 * HOUR, T0 + 10 * HOUR, version=3, settled=mark)
    return Recorded(meta, (T0, T0 + HOUR), (T0 + 9 * HOUR, T0 + 10 * HOUR), cover)


def test_nothing_changed_says_nothing() -> None:
    assert changes(source(), recorded()) == []
    assert changes(source(), None) == []  # nothing recorded yet


H0, H3, H4 = "2026-11-01T00:00:00.000Z", "2026-11-01T03:00:00.000Z", "2026-11-01T04:00:00.000Z"
H10, H12 = "2026-11-01T10:00:00.000Z", "2026-11-01T12:00:00.000Z"
LATER = f"start moved later than recorded ({H0}): the windows before it are outside the range"
EDITS: list[tuple[dict[str, Any], tuple[datetime, datetime] | None, list[str]]] = [
    (
        {"start": "2026-10-30T00:00:00Z"},
        None,
        [
            "start moved earlier than recorded: 2 days to backfill "
            f"[2026-10-30T00:00:00.000Z, {H0}), in windows of 1h"
        ],
    ),
    ({"start": "2026-11-01T03:00:00Z"}, None, [LATER]),
    (
        {"start": "2026-11-01T03:20:00Z"},
        (T0 + 3 * HOUR, T0 + 4 * HOUR),
        [LATER, f"start falls inside the recorded window [{H3}, {H4}): it is kept whole"],
    ),
    (
        {"start": "2026-11-01T12:00:00Z"},
        None,
        [
            f"start moved past everything recorded (watermark {H10}): "
            f"[{H10}, {H12}) is outside the range, not read"
        ],
    ),
    (
        {"window": "30m"},
        None,
        [
            "window changed from 1h to 30m: recorded windows keep their bounds, "
            f"new ones are 30m from {H10}"
        ],
    ),
    (
        {"end": "2026-11-01T08:00:00Z"},
        None,
        [
            f"end moved before what is recorded (watermark {H10}): windows past it are outside "
            "the range (any already queued are still read)"
        ],
    ),
    (
        {"late_horizon": "2h"},
        None,
        [
            "late_horizon changed from 1h to 2h: the settled windows are judged again (once); "
            "passes already recorded stay"
        ],
    ),
]


@pytest.mark.parametrize(("over", "cover", "expected"), EDITS)
def test_each_edit_is_explained(
    over: dict[str, Any], cover: tuple[datetime, datetime] | None, expected: list[str]
) -> None:
    assert changes(source(**over), recorded(cover)) == expected


def test_status_shows_the_edit_beside_the_ledger() -> None:
    """`logpull status`: a `config:` line; the ledger counts from the new start."""
    edited = source(start="2026-10-31T00:00:00Z")
    windows = [
        WindowRecord(key=WindowKey("gws-login", T0 + i * HOUR, T0 + (i + 1) * HOUR), state="done")
        for i in range(10)
    ]
    meta = SourceMeta("gws-login", T0 + 10 * HOUR, T0 + 10 * HOUR, version=3)
    report = source_report(edited, meta, windows, (T0 + 11 * HOUR).timestamp())
    assert report["complete_until"] == "2026-10-31T00:00:00.000Z"  # the day before is not read yet
    out = io.StringIO()
    console = Console(file=out, width=80, no_color=True, color_system=None, force_terminal=False)
    queue = {"visible": 0, "in_flight": 0, "delayed": 0, "dlq": 0}
    print_status({"sources": {"gws-login": report}, "queue": queue, "as_of": H10}, console)
    assert "config: start moved earlier than recorded: 1 day to backfill" in out.getvalue()
