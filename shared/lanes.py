"""Two lanes of work: the live tail goes first.

A first pass recorded while its window was the source's tail (recorded within ``settle``
plus two window lengths of its end) is *live*: its events are due now and it goes on the
live queue, which workers always empty first and which the backlog limit never holds
back. Everything else is *backfill*: first passes of history (a tenant onboarded with
months behind it, a source catching up after an outage) and final passes (they re-read
a window hours later; a few minutes more do not matter). Backfill goes on a queue of its
own that workers read only while the live one is empty.

The lane is a function of the window's record (its key and when it was recorded), so
every message sent for a window — first task, continuation, rescue, redrive — goes to
the same queue without the message carrying it. Pure; property-tested.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from shared.models import FIRST_PASS, WindowKey

Lane = Literal["live", "backfill"]
LIVE: Lane = "live"
BACKFILL: Lane = "backfill"
LANES: tuple[Lane, ...] = (LIVE, BACKFILL)  # the order workers read them in
LIVE_WINDOWS = 2  # how many window lengths past ``settle`` a window may be recorded and still be live


def live_until(key: WindowKey, settle: timedelta) -> datetime:
    """The latest instant at which the window, recorded then, is still the live tail."""
    return key.end + settle + LIVE_WINDOWS * (key.end - key.start)


def lane_of(key: WindowKey, created_at: float, settle: timedelta) -> Lane:
    """The lane of a window's tasks: live for a first pass recorded by ``live_until``."""
    if key.pass_no != FIRST_PASS:
        return BACKFILL
    return LIVE if created_at <= live_until(key, settle).timestamp() else BACKFILL
