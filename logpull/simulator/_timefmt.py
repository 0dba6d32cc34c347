"""RFC 3339 instants as the Reports API reads and writes them.

Event times are whole milliseconds since the epoch (``int``). Query bounds may carry any
fractional precision, so they are parsed exactly (``Fraction`` of seconds) and only then
turned into millisecond bounds with the right rounding direction.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The pattern of startTime / endTime in the discovery document.
_RFC3339 = re.compile(
    r"(\d\d\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:(Z)|([-+])(\d\d):(\d\d))"
)


def format_ms(epoch_ms: int) -> str:
    """``2026-11-01T00:00:00.123Z``: always three fractional digits and ``Z``."""
    seconds, millis = divmod(epoch_ms, 1000)
    tm = time.gmtime(seconds)
    return (
        f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T"
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}.{millis:03d}Z"
    )


def parse_rfc3339(text: str) -> Fraction:
    """Exact seconds since the epoch; ``ValueError`` if ``text`` is not RFC 3339."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    try:
        year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"timestamp out of range: {text!r}") from exc
    whole = (moment - _EPOCH) // timedelta(seconds=1)
    digits = match.group(7) or ""
    fraction = Fraction(int(digits), 10 ** len(digits)) if digits else Fraction(0)
    offset = 0
    if match.group(8) is None:
        sign = -1 if match.group(9) == "-" else 1
        offset = sign * (int(match.group(10)) * 3600 + int(match.group(11)) * 60)
    return Fraction(whole - offset) + fraction


def parse_bound(raw: str | None, error: Callable[[], Exception]) -> Fraction | None:
    """A query bound: ``None`` if not sent, else ``parse_rfc3339(raw)``; raises ``error()``
    (the API's own 400) if ``raw`` is not RFC 3339."""
    if raw is None:
        return None
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise error() from None


def ms_floor(seconds: Fraction) -> int:
    """The latest whole millisecond at or before ``seconds``."""
    return math.floor(seconds * 1000)


def ms_ceil(seconds: Fraction) -> int:
    """The earliest whole millisecond at or after ``seconds``."""
    return math.ceil(seconds * 1000)
