"""``logpull run``: wire the local run to the terminal (progress, exit code)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType

import click

from logpull.cli._ports import aws_ports
from logpull.cli._progress import ProgressDisplay
from logpull.cli._workers import FinishedWindows, spawn_forked
from orchestrator.local_run import LocalRun, Progress, WorkerPool
from shared.config import Settings
from shared.log import get_logger
from shared.models import WindowRecord

log = get_logger("logpull.run")


class RunStopped(BaseException):  # noqa: N818 - like KeyboardInterrupt: no ``except Exception`` catches it
    """SIGTERM or SIGINT reached ``logpull run``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name


def stop_on_signals(pool: WorkerPool) -> None:
    """SIGTERM/SIGINT end the run: its workers are stopped (each hands its task back)
    and joined by the ``finally`` that stops the pool; a signal while they are being
    stopped is ignored rather than cutting that short."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        if pool.stopping:
            return
        raise RunStopped(signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_local(settings: Settings, config: str | None, workers: int, until_caught_up: bool) -> int:
    from orchestrator.source_failure import clear_all

    store, queue = aws_ports(settings)
    clear_all(settings, store, queue, why="run started")  # run again after a fix: the sources retry
    local = LocalRun(settings, store, queue, workers=workers, published=published_in_sink(settings))
    finished = FinishedWindows() if sys.platform == "linux" else None  # forked workers only
    # asked now, before the display turns stderr into a pipe: the workers log as this process does
    terminal = sys.stderr.isatty()
    pool = WorkerPool(spawn_forked(settings, config, finished.write_fd if finished else None, terminal), workers)
    stop_on_signals(pool)
    try:
        if not until_caught_up:
            local.forever(pool, settings.orchestrator.interval.total_seconds(),
                          wait=finished.wait if finished else None)
        with ProgressDisplay("logpull run") as display:  # logs print above it; stderr restored on exit
            progress = local.until_caught_up(pool, display, wait=finished.wait if finished else None)
    except RunStopped as stopped:
        click.echo(f"logpull: stopped by {stopped.signal_name}: the workers handed their tasks back "
                   f"and exited", err=True)
        return 0
    return report_outcome(progress)


def published_in_sink(settings: Settings) -> Callable[[WindowRecord], bool]:
    """Whether a done window's last accepted part is at its committed name (parts are
    published in order; a window whose last checkpoint accepted none has nothing to wait for)."""
    from shared.aws.clients import client
    from worker.sinks import open_sink

    sink = open_sink(settings.sink, lambda: client("s3", settings.aws))
    return lambda window: not window.staged or sink.published(window.key, max(seq for seq, _ in window.staged))


def report_outcome(progress: Progress) -> int:
    for source, failure in progress.failed_sources.items():
        click.echo(f"logpull: error: {failure.describe(source)}", err=True)
    if progress.windows_failed:
        click.echo(f"logpull: error: {progress.windows_failed} window(s) failed (their tasks are in the DLQ; "
                   "see `logpull dlq list`):", err=True)
        for line in progress.failed:
            click.echo(f"  {line}", err=True)
    if progress.stuck is not None:
        click.echo(f"logpull: error: not caught up: nothing moved for {progress.stuck:.0f}s; "
                   f"{progress.windows_total - progress.windows_done} window(s) of the configured range not done, "
                   "first:", err=True)
        for line in progress.open:
            click.echo(f"  {line}", err=True)
    if progress.windows_failed or progress.failed_sources or progress.stuck is not None:
        return 1
    click.echo(f"caught up: {progress.windows_done} windows, {progress.events} events, "
               f"{progress.pages} pages, {progress.continuations} continuations", err=True)
    return 0
