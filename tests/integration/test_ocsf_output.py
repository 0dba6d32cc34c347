"""Normalised output (``[sink] ocsf_url``) through the commit protocol: worker runs that
crash at each point of it, and between a part's OCSF and raw publish, still leave
exactly one OCSF object per committed raw event (matched by ``metadata.uid``), and the
raw output is unchanged: exactly once against the ground truth."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocsf_checks import check_one_per_raw, ocsf_output, validate

from orchestrator.tick import Orchestrator
from shared.sink_reader import iter_committed_files
from shared.verify import compare
from worker.context import WorkerContext, build_source
from worker.loop import work
from worker.sinks.ocsf_tee import OcsfTeeSink

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
EVENTS = 500


class Crash(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it."""


class CrashAt:
    def __init__(self, point: str, hits: set[int]) -> None:
        self.point, self.hits, self.seen, self.crashes = point, hits, 0, 0

    def __call__(self, point: str) -> None:
        if point == self.point:
            self.seen += 1
            if self.seen in self.hits:
                self.crashes += 1
                raise Crash(point)


class CrashBetween:
    """Wraps both sinks of the pair: the first time a part is published, the run dies
    right after the first of its two halves (whichever the pair publishes first)."""

    def __init__(self) -> None:
        self.halves: dict[tuple[str, int], int] = {}
        self.crashes = 0

    def wrap(self, sink: Any) -> Any:
        crash = self

        class Wrapped:
            def publish(self, key: Any, seq: int, staged: str) -> None:
                part = (str(key), seq)
                crash.halves[part] = crash.halves.get(part, 0) + 1
                if crash.halves[part] == 2:
                    crash.crashes += 1
                    raise Crash("between a part's two publishes")
                sink.publish(key, seq, staged)

            def __getattr__(self, name: str) -> Any:
                return getattr(sink, name)

        return Wrapped()


def stack_with_ocsf(make_stack: Callable[..., Any], api: Any, sink: str = "file",
                    page_size: int = 40) -> tuple[Any, Any]:
    sim = api.start(events=EVENTS, seed=5, start=START, end=START + timedelta(hours=2))
    stack = make_stack(sim.url, sink=sink, ocsf=True,
                       source=api.source(end="2026-11-01T02:00:00Z", page_size=page_size),
                       worker={"lease": "1s", "task_deadline": "30s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    return sim, stack


def drain(stack: Any, fault: Callable[[str], None], between: CrashBetween | None = None) -> int:
    """Run tasks one at a time until every window is done and published; a crash loses
    the run, and its message comes back once the (1 s) visibility timeout expires."""
    crashes = 0
    for _ in range(200):
        if stack.caught_up():
            return crashes
        ctx = WorkerContext.from_settings(stack.settings, fault=fault)
        assert isinstance(ctx.sink, OcsfTeeSink)
        if between is not None:
            ctx.sink.raw, ctx.sink.ocsf = between.wrap(ctx.sink.raw), between.wrap(ctx.sink.ocsf)
        try:
            work(ctx, until_idle=True, max_tasks=1)
        except Crash:
            crashes += 1
            time.sleep(1.3)  # the dead worker's message becomes visible, its lease expired
    raise AssertionError("windows did not finish")


def check_exactly_once(sim: Any, stack: Any, api: Any) -> None:
    raw = list(stack.committed())
    result = compare(sim.ground_truth(), raw, api.kind)
    assert result.expected == EVENTS
    assert (result.missing, result.duplicates, result.unexpected, result.altered) == (0, 0, 0, 0), result
    source = build_source(stack.settings.sources[0], stack.settings)
    objects = ocsf_output(stack.settings)
    assert check_one_per_raw(raw, objects, source.identity, source.event_time) == EVENTS
    for obj in {(o["class_uid"], o["activity_id"]): o for o in objects}.values():
        validate(obj)


@pytest.mark.parametrize("point", ["after_stage", "after_checkpoint", "after_publish"])
def test_ocsf_output_is_exactly_once_across_crashes(point: str, make_stack: Callable[..., Any], api: Any) -> None:
    sim, stack = stack_with_ocsf(make_stack, api)
    hook = CrashAt(point, {1, 3, 6})
    assert drain(stack, hook) >= 1, f"the fault point {point} was never reached"
    check_exactly_once(sim, stack, api)


@pytest.mark.parametrize("sink", ["file", "s3"])
def test_a_crash_between_a_parts_ocsf_and_raw_publish_is_rolled_forward(
        sink: str, make_stack: Callable[..., Any], api: Any) -> None:
    """Every part's first publish dies half way, the window's last part too: the window
    counts as caught up only once both halves are there, and the roll-forward of the
    part named by the checkpoint publishes the missing half."""
    sim, stack = stack_with_ocsf(make_stack, api, sink, page_size=100)
    between = CrashBetween()
    crashes = drain(stack, lambda _: None, between)
    assert crashes == between.crashes == len(between.halves) >= 4
    check_exactly_once(sim, stack, api)


def test_without_ocsf_url_nothing_else_is_written(make_stack: Callable[..., Any], api: Any, tmp_path: Path) -> None:
    sim = api.start(events=200, seed=5, start=START, end=START + timedelta(hours=2))
    stack = make_stack(sim.url, source=api.source(end="2026-11-01T02:00:00Z", page_size=40))
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    ctx = WorkerContext.from_settings(stack.settings)
    assert not isinstance(ctx.sink, OcsfTeeSink)
    work(ctx, until_idle=True)
    assert compare(sim.ground_truth(), stack.committed(), api.kind).missing == 0
    assert not list(tmp_path.glob("*-ocsf")) and list(iter_committed_files(stack.sink_root))


def test_a_part_staged_with_ocsf_is_published_there_after_ocsf_url_was_unset(
        make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    """A run dies after a checkpoint that accepted a part with both halves; the operator
    then removes ``ocsf_url``. The roll-forward publishes the part's OCSF half to the
    root it was staged under (the checkpoint names it) and cleans that root's staging:
    nothing is left there forever, and the OCSF output holds every event committed while
    OCSF was on."""
    sim = simulator(events=120, seed=7, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, ocsf=True, source={"end": "2026-11-01T01:00:00Z", "page_size": 40},
                       worker={"lease": "1s", "task_deadline": "30s"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    crash = CrashAt("after_checkpoint", {1})
    with pytest.raises(Crash):
        work(WorkerContext.from_settings(stack.settings, fault=crash), max_tasks=1)
    [window] = list(stack.store.list_windows("gws-login"))
    assert window.staged and window.ocsf_root == stack.settings.sink.ocsf_url
    first_part = window.events

    sink = stack.settings.sink.model_copy(update={"ocsf_url": None})
    time.sleep(1.3)  # the dead worker's message becomes visible, its lease expired
    without = stack.settings.model_copy(update={"sink": sink})
    work(WorkerContext.from_settings(without), until_idle=True)

    result = compare(sim.ground_truth(), stack.committed())
    assert (result.expected, result.missing, result.duplicates) == (120, 0, 0), result
    assert result.unexpected == 0, result
    ocsf_root = Path(str(stack.settings.sink.ocsf_url).removeprefix("file://"))
    files = [p.relative_to(ocsf_root) for p in ocsf_root.rglob("*") if p.is_file()]
    left = [p for p in files if any(n.startswith(("_", ".")) for n in p.parts)]
    assert left == [], "the OCSF half was left in staging"
    assert len(ocsf_output(stack.settings)) == first_part
