"""Move this process's wall clock by ``LOGPULL_TEST_CLOCK_SHIFT`` (e.g. ``400d``, ``-2h``),
so the suite proves it does not depend on the day it runs.

``time.time``, ``datetime.now`` and their kin are shifted and keep ticking (time-machine);
monotonic clocks are untouched. Imported once per process: by ``sitecustomize`` in every
Python process started with this folder on PYTHONPATH (workers, servers, xdist workers),
and by the suite's conftest in the process that runs pytest. A forked child inherits the
shifted clock with this module, so it is never applied twice.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime, timedelta

VARIABLE = "LOGPULL_TEST_CLOCK_SHIFT"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_shift(text: str) -> timedelta:
    match = re.fullmatch(r"\s*([+-]?\d+)\s*([smhd])\s*", text)
    if not match:
        raise SystemExit(f"{VARIABLE}={text!r}: use a signed whole number and a unit, e.g. 400d, -3h")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def _apply() -> timedelta | None:
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return None
    shift = parse_shift(text)
    hide_pytest = "pytest" not in sys.modules  # time-machine imports it when it can, and
    if hide_pytest:  # the runtime's own processes must not seem to import it
        sys.modules["pytest"] = None  # type: ignore[assignment]
    try:
        import time_machine
    finally:
        if hide_pytest:
            del sys.modules["pytest"]

    time_machine.travel(datetime.now(UTC) + shift, tick=True).start()
    return shift


SHIFT = _apply()
