"""Editing the config after a first backfill (README, "Editing the config"): the real
orchestrator (``LocalRun``) and real worker processes against the moto server and a
simulator, Google and Okta. Each test runs to caught up, edits the config, runs again:
the run must end "caught up" (exit 0) and the sink must hold every event of the whole
configured range exactly once. One injected clock serves the orchestrator and the
simulator (it starts at the test's "now" and runs on in real time), so no test depends
on the day it runs."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from logpull.cli._check import check
from logpull.cli._running import published_in_sink, report_outcome
from logpull.cli._workers import spawn_subprocess
from logpull.simulator import (
    OktaSimulator,
    OktaSimulatorSettings,
    ReportsSimulator,
    SimulatorSettings,
)
from orchestrator.local_run import LocalRun, Progress, WorkerPool
from orchestrator.status import source_status
from orchestrator.tick import Orchestrator
from shared.config import Settings, load_settings
from shared.timeutil import parse_instant
from shared.verify import compare

pytestmark = pytest.mark.e2e
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
SETTLE = timedelta(minutes=1)  # config_text's
RUN_LIMIT = 60.0  # seconds: a run still going by then never ends


class Clock:
    """The test's "now": set by the test, running on in real time from there."""

    def __init__(self) -> None:
        self.base, self.since = T0.timestamp(), time.monotonic()

    def set(self, instant: datetime) -> None:
        self.base, self.since = instant.timestamp(), time.monotonic()

    def __call__(self) -> float:
        return self.base + (time.monotonic() - self.since)


class Setup:
    def __init__(self, kind: str, make_stack: Callable[..., Any], tmp_path: Path) -> None:
        self.kind, self.clock = kind, Clock()
        token = f"00{uuid.uuid4().hex}"
        span = {"seed": 7, "events": 96 * 40, "start": T0, "end": T0 + timedelta(days=4)}
        if kind == "google_reports":
            self.sim: Any = ReportsSimulator(SimulatorSettings(**span), clock=self.clock)
            source = {"kind": kind, "credentials": "anonymous"}
        else:
            self.sim = OktaSimulator(OktaSimulatorSettings(token=token, **span), clock=self.clock)
            (tmp_path / "okta-token").write_text(token)
            source = {"kind": kind, "credentials": f"file:{tmp_path / 'okta-token'}"}
        self.sim.start()
        self.make_stack, self.source = make_stack, source
        self.stack: Any = None

    def configure(self, **source: Any) -> Settings:
        """The first config; later ones are edits of its file (the same queues and table)."""
        self.stack = self.make_stack(self.sim.url, source={**self.source, **source})
        return self.stack.settings  # type: ignore[no-any-return]

    def edit(self, **keys: str) -> Settings:
        text = self.stack.config_path.read_text()
        for key, value in keys.items():
            text, count = re.subn(rf'^{key} = "[^"]*"$', f'{key} = "{value}"', text, flags=re.M)
            assert count == 1, key
        self.stack.config_path.write_text(text)
        return load_settings(self.stack.config_path)

    def run(self, settings: Settings, now: datetime) -> tuple[int, Progress]:
        """``logpull run --until-caught-up`` at ``now`` with two worker processes; fails the
        test if the run is still going after RUN_LIMIT seconds."""
        self.clock.set(now)
        local = LocalRun(
            settings,
            self.stack.store,
            self.stack.queue,
            clock=self.clock,
            workers=2,
            published=published_in_sink(settings),
        )
        pool = WorkerPool(spawn_subprocess(str(self.stack.config_path)), 2)
        give_up = time.monotonic() + RUN_LIMIT

        def wait(seconds: float, _windows: int) -> None:
            if time.monotonic() > give_up:
                raise TimeoutError("logpull run --until-caught-up did not end")
            time.sleep(seconds)

        progress = local.until_caught_up(pool, wait=wait)
        return report_outcome(progress), progress

    def check_sink(self, *ranges: tuple[datetime, datetime]) -> None:
        """The sink holds every event of the ``ranges`` exactly once, and nothing else."""

        def at(item: dict[str, Any]) -> datetime:
            return parse_instant(
                item["id"]["time"] if self.kind == "google_reports" else item["published"]
            )

        truth = [
            item
            for item in self.sim.ground_truth()
            if any(lo <= at(item) < hi for lo, hi in ranges)
        ]
        result = compare(truth, self.stack.committed(), self.kind)
        assert result.expected > 0
        assert (result.missing, result.duplicates, result.unexpected, result.altered) == (
            0,
            0,
            0,
            0,
        ), result

    def first_passes(self, progress: Progress, since: datetime = T0 - 9 * HOUR) -> int:
        """The first passes the run counted: its total less the final passes it waited for
        (workers whose clock is behind the test's "now" see late horizons still open)."""
        windows = self.stack.store.list_windows("gws-login")
        finals = [w for w in windows if w.key.pass_no == 1 and w.key.end > since]
        return progress.windows_total - len(finals)

    def status(self, settings: Settings) -> dict[str, Any]:
        return source_status(settings.sources[0], self.stack.store, self.clock())


@pytest.fixture(params=["google_reports", "okta_system_log"])
def setup(
    request: pytest.FixtureRequest, make_stack: Callable[..., Any], tmp_path: Path
) -> Iterator[Setup]:
    chosen = Setup(request.param, make_stack, tmp_path)
    yield chosen
    chosen.sim.stop()


def test_start_moved_earlier_backfills_the_earlier_range(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    first = setup.configure(start="2026-11-02T00:00:00Z", window="1h")
    assert setup.run(first, T0 + 30 * HOUR + SETTLE)[0] == 0  # [day 2 00:00, 06:00)
    edited = setup.edit(
        start="2026-11-01T13:30:00Z"
    )  # earlier, and off the recorded windows' boundaries
    said = "start moved earlier than recorded: 10 hours 30 minutes to backfill"
    assert said in setup.status(edited)["config_changes"][0]
    assert check(str(setup.stack.config_path)) == 0
    assert f"note source gws-login: {said}" in capsys.readouterr().out
    code, progress = setup.run(edited, T0 + 32 * HOUR + SETTLE)
    assert code == 0 and setup.first_passes(progress) == 11 + 8, (
        progress
    )  # head 13:30-00:00 (the last 30m), 8 more
    setup.check_sink((T0 + 13.5 * HOUR, T0 + 32 * HOUR))
    report = setup.status(edited)
    assert (
        report["complete_until"] == "2026-11-02T08:00:00.000Z" and report["windows"]["pending"] == 0
    )
    assert report["windows"]["done"] == 19


@pytest.mark.parametrize("window", ["40m", "3h"])
def test_window_changed_while_windows_of_the_old_length_are_queued(
    setup: Setup, window: str
) -> None:
    first = setup.configure(start="2026-11-01T00:00:00Z", window="1h")
    assert setup.run(first, T0 + 6 * HOUR + SETTLE)[0] == 0
    setup.clock.set(T0 + 12 * HOUR + SETTLE)
    ticked = Orchestrator(
        first, setup.stack.store, setup.stack.queue, clock=setup.clock
    ).tick()  # no worker yet
    assert ticked.enqueued["gws-login"] == 6  # [06:00, 12:00) in 1h windows, queued
    edited = setup.edit(window=window)
    assert setup.status(edited)["config_changes"] == [
        f"window changed from 1h to {window}: recorded windows keep their bounds, "
        f"new ones are {window} "
        "from 2026-11-01T12:00:00.000Z"
    ]
    code, progress = setup.run(edited, T0 + 18 * HOUR + SETTLE)
    assert code == 0
    setup.check_sink((T0, T0 + 18 * HOUR))
    assert setup.first_passes(progress) == 12 + (9 if window == "40m" else 2), progress
    windows = [w for w in setup.stack.store.list_windows("gws-login") if w.key.pass_no == 0]
    assert [w.key.end - w.key.start for w in windows[:12]] == [
        HOUR
    ] * 12  # recorded windows kept their bounds
    assert {w.key.end - w.key.start for w in windows[12:]} == {
        timedelta(minutes=40) if window == "40m" else 3 * HOUR
    }
    assert all(w.state == "done" for w in windows)


def test_start_moved_later_off_a_boundary_moves_the_mark_and_the_ledger(setup: Setup) -> None:
    first = setup.configure(start="2026-11-01T00:00:00Z", window="1h")
    assert setup.run(first, T0 + 6 * HOUR + SETTLE)[0] == 0
    edited = setup.edit(start="2026-11-01T03:20:00Z")  # inside the recorded window [03:00, 04:00)
    assert setup.status(edited)["config_changes"][1] == (
        "start falls inside the recorded window "
        "[2026-11-01T03:00:00.000Z, 2026-11-01T04:00:00.000Z): "
        "it is kept whole"
    )
    code, progress = setup.run(edited, T0 + 10 * HOUR + SETTLE)
    assert code == 0 and setup.first_passes(progress, T0 + 3 * HOUR) == 3 + 4, (
        progress
    )  # [03:00, 06:00) recorded, 4 more
    setup.check_sink((T0, T0 + 10 * HOUR))  # what the first run read, and the rest once
    report = setup.status(edited)
    assert report["complete_until"] == "2026-11-01T10:00:00.000Z" and report["lag_seconds"] < 600
    meta = setup.stack.store.get_meta("gws-login")
    assert (
        meta.settled is not None and meta.settled.until == T0 + 10 * HOUR
    )  # ticks no longer list it all


def test_start_moved_past_the_watermark_skips_the_gap(setup: Setup) -> None:
    first = setup.configure(start="2026-11-01T00:00:00Z", window="1h")
    assert setup.run(first, T0 + 4 * HOUR + SETTLE)[0] == 0
    edited = setup.edit(start="2026-11-01T06:30:00Z")  # past everything recorded
    code, progress = setup.run(edited, T0 + 9.5 * HOUR + SETTLE)
    assert code == 0 and setup.first_passes(progress, T0 + 6 * HOUR) == 3, (
        progress
    )  # 06:30, 07:30, 08:30
    setup.check_sink(
        (T0, T0 + 4 * HOUR), (T0 + 6.5 * HOUR, T0 + 9.5 * HOUR)
    )  # [04:00, 06:30): outside
    assert setup.status(edited)["complete_until"] == "2026-11-01T09:30:00.000Z"


def test_an_end_off_a_boundary_cuts_the_last_window_and_moving_it_later_goes_on(
    setup: Setup,
) -> None:
    first = setup.configure(start="2026-11-01T00:00:00Z", window="1h", end="2026-11-01T02:30:00Z")
    code, progress = setup.run(first, T0 + 6 * HOUR)
    assert code == 0 and setup.first_passes(progress) == 3, (
        progress
    )  # [02:00, 02:30) too, not left unread
    setup.check_sink((T0, T0 + 2.5 * HOUR))
    edited = setup.edit(end="2026-11-01T05:00:00Z")
    code, progress = setup.run(edited, T0 + 6 * HOUR)
    assert code == 0 and setup.first_passes(progress) == 3 + 3, (
        progress
    )  # 02:30, 03:30, then [04:30, 05:00)
    setup.check_sink((T0, T0 + 5 * HOUR))
    assert setup.status(edited)["complete_until"] == "2026-11-01T05:00:00.000Z"
