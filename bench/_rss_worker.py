"""Run one worker until the queue is empty, then print its peak RSS in KiB."""

from __future__ import annotations

import resource
import sys

from shared.config import load_settings
from shared.log import configure_logging
from worker.context import WorkerContext
from worker.loop import work

if __name__ == "__main__":
    settings = load_settings(sys.argv[1])
    configure_logging("warning", "json")
    work(WorkerContext.from_settings(settings), until_idle=True)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
