"""``logpull work``: receive tasks one at a time and run them until told to stop."""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType

from shared.errors import AwsError
from shared.heap import freeze_long_lived
from shared.log import get_logger
from worker.context import WorkerContext
from worker.runner import TaskRunner
from worker.sources.registry import preload

log = get_logger("logpull.worker")


def install_stop_signals(ctx: WorkerContext) -> None:
    """SIGTERM (ECS, `run` shutting down) and SIGINT: a busy worker finishes the current
    page, hands its task back and stops; an idle one (waiting on the queue) exits now."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        if ctx.stop_requested.is_set():  # a second signal (SIGINT to the group, then `run`'s SIGTERM)
            return  # must not cut short the hand-back the first one started
        log.debug("stop_requested", signal=signal.Signals(signum).name, busy=ctx.busy)
        ctx.stop_requested.set()
        if not ctx.busy:
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def work(ctx: WorkerContext, until_idle: bool = False, max_tasks: int | None = None) -> int:
    """Run tasks until stopped (or the queue stays empty with ``until_idle``); return
    how many ran. Deletes of finished messages still in flight are waited for."""
    freeze_long_lived()
    try:
        return _loop(ctx, TaskRunner(ctx), until_idle, max_tasks)
    finally:
        ctx.flush_acks()


def _loop(ctx: WorkerContext, runner: TaskRunner, until_idle: bool, max_tasks: int | None) -> int:
    settings = ctx.settings.worker
    wait, visibility = int(max(0, settings.receive_wait.total_seconds())), int(settings.lease.total_seconds())
    idle = tasks = 0
    while not ctx.stop_requested.is_set():
        try:
            started = ctx.clock()  # the message's visibility timeout runs from about now
            batch = ctx.queue.receive(1, wait, visibility)
        except AwsError as exc:
            log.warning("receive_failed", error=str(exc))
            ctx.stop_requested.wait(min(5.0, 1.0 + idle))
            idle += 1
            continue
        if not batch:
            idle += 1
            if until_idle and idle >= settings.idle_polls:
                break
            continue
        idle = 0
        ctx.busy = True
        try:
            runner.run(batch[0], started, started + settings.task_deadline.total_seconds())
        finally:
            ctx.busy = False
        tasks += 1
        if tasks == 1:
            freeze_long_lived()  # the source's API client now exists too
        if max_tasks is not None and tasks >= max_tasks:
            break
    return tasks


def main(config_path: str | None, until_idle: bool = False, notify_fd: int | None = None,
         terminal: bool | None = None) -> None:
    """``logpull work`` (also the body of a worker forked by ``logpull run``, which
    passes ``notify_fd``: one byte is written to it each time a task ends its window).
    ``terminal``: the parent prints this worker's stderr on a terminal (its log lines
    then take the console format, whatever stderr itself is)."""
    from shared.config import load_settings
    from shared.log import configure_logging

    settings = load_settings(config_path)
    configure_logging(settings.logging.level, settings.logging.format, terminal)
    ctx = WorkerContext.from_settings(settings)
    if notify_fd is not None:
        ctx.on_window_finished = lambda: _notify(notify_fd)
    install_stop_signals(ctx)
    preload(s.kind for s in settings.sources)  # before the first task, not during it
    work(ctx, until_idle=until_idle)


def _notify(fd: int) -> None:
    with contextlib.suppress(OSError):  # a full pipe or a parent gone: it only wakes a tick early
        os.write(fd, b".")
