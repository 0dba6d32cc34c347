"""The progress of ``logpull run`` and ``logpull demo`` on stderr.

On a terminal: a live rich display (windows done / total, events, pages, elapsed) with
every log line printed above it. Lines written to stderr by anyone (this process, its
forked or spawned workers) are caught at the file descriptor: while the display is up,
fd 2 is a pipe this process reads at each report and prints through the display's
console, so no line is overwritten or scrambles the display. No thread is started (the
forked workers need a parent without threads): the display refreshes at each report.

Not on a terminal: one progress line every few seconds (a structured ``progress`` log
line for ``run``, a plain line for the demo), never a carriage return.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from orchestrator.local_run import Progress as RunProgress
from shared.log import get_logger

log = get_logger("logpull.run")
PIPE_SIZE = 1 << 20  # room for the workers' lines between two reports
F_SETPIPE_SZ = 1031  # Linux


def progress_line(progress: RunProgress, elapsed: float) -> str:
    failed = f", {progress.windows_failed} failed" if progress.windows_failed else ""
    return (f"progress: {progress.windows_done:,}/{progress.windows_total:,} windows done{failed}, "
            f"{progress.events:,} events, {progress.pages:,} pages, "
            f"{progress.continuations:,} continuations, {elapsed:,.0f}s elapsed")


class StderrRelay:
    """fd 2 turned into a pipe; ``lines()`` returns what was written to it since."""

    def __init__(self) -> None:
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._read, write = os.pipe()
        with contextlib.suppress(OSError):
            import fcntl

            fcntl.fcntl(self._read, F_SETPIPE_SZ, PIPE_SIZE)
        os.set_blocking(self._read, False)
        os.dup2(write, 2)
        os.close(write)
        self._partial = b""
        # the terminal itself, for the display (closed with the relay)
        self.terminal: IO[str] = open(self._saved, "w", encoding="utf-8", errors="replace",  # noqa: SIM115
                                      closefd=False)

    def lines(self, final: bool = False) -> list[str]:
        chunks = [self._partial]
        while True:
            try:
                chunk = os.read(self._read, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        *whole, self._partial = b"".join(chunks).split(b"\n")
        if final and self._partial:
            whole, self._partial = [*whole, self._partial], b""
        return [line.decode("utf-8", "replace") for line in whole]

    def restore(self) -> list[str]:
        """fd 2 is the terminal again; the lines still in the pipe."""
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        left = self.lines(final=True)
        self.terminal.close()
        os.close(self._saved)
        os.close(self._read)
        return left


class ProgressDisplay:
    """The ``report`` callback of ``LocalRun.until_caught_up``; use as a context manager
    (or call ``close``) so that stderr is restored whatever happens."""

    def __init__(self, title: str = "logpull", every: float = 5.0, structured: bool = True,
                 tty: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.title, self.every, self.structured, self.clock = title, every, structured, clock
        self.tty = sys.stderr.isatty() if tty is None else tty
        self._started = clock()
        self._last: float | None = None
        self._relay: StderrRelay | None = None
        self._live: Progress | None = None
        self._task: TaskID | None = None
        self._unreported: RunProgress | None = None  # the latest report not yet printed
        if self.tty:
            self._start_live()

    def _start_live(self) -> None:
        self._relay = StderrRelay()
        console = Console(file=self._relay.terminal, stderr=True)
        self._live = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("windows  {task.fields[figures]}"), TimeElapsedColumn(),
            console=console, auto_refresh=False, redirect_stdout=False, redirect_stderr=False,
        )
        self._live.start()
        self._task = self._live.add_task(self.title, total=None, figures="")

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __call__(self, progress: RunProgress) -> None:
        now = self.clock()
        if self._live is not None and self._task is not None:
            self._print_relayed()
            figures = (f"{progress.events:,} events  {progress.pages:,} pages"
                       + (f"  {progress.windows_failed} failed" if progress.windows_failed else ""))
            self._live.update(self._task, completed=progress.windows_done, total=progress.windows_total or None,
                              figures=figures)
            self._live.refresh()
        elif self._last is None or now - self._last >= self.every:
            self._last, self._unreported = now, None
            self._line(progress, now - self._started)
        else:
            self._unreported = progress

    def _line(self, progress: RunProgress, elapsed: float) -> None:
        if self.structured:
            log.info("progress", windows_done=progress.windows_done, windows_total=progress.windows_total,
                     windows_failed=progress.windows_failed, events=progress.events, pages=progress.pages,
                     elapsed_s=round(elapsed, 1))
        else:
            click.echo(progress_line(progress, elapsed), err=True)

    def _print_relayed(self, lines: list[str] | None = None) -> None:
        if self._live is None or self._relay is None:
            return
        for line in self._relay.lines() if lines is None else lines:
            self._live.console.print(Text.from_ansi(line), soft_wrap=True)  # the workers' colours

    def close(self) -> None:
        """Stop the display (its last state stays on screen) and give stderr back; without
        a display, print the last progress if it was not printed."""
        if self._unreported is not None:
            self._line(self._unreported, self.clock() - self._started)
            self._unreported = None
        if self._live is None or self._relay is None:
            return
        live, relay = self._live, self._relay
        try:
            self._print_relayed()
            live.refresh()
            live.stop()
        finally:
            self._live = None
            left = relay.restore()
            for line in left:
                click.echo(line, err=True)
