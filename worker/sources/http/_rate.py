"""What a response says of the API's request budget: "slow down" statuses, how long to
wait, and the budget headers the fleet's budget learns from (see ``worker.budget``)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from shared.kinds.http_spec import RateLimit
from worker.sources.base import RateHeaders


def _server_now(response: requests.Response, fallback: float) -> float:
    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return fallback


def _instant(text: str) -> float:
    """An HTTP date or an RFC 3339 instant as epoch seconds (ValueError if neither)."""
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def reset_in(response: requests.Response, spec: RateLimit, now: float) -> float | None:
    """Seconds until the budget refills, by the API's clock (None when not said)."""
    value = response.headers.get(spec.reset_header) if spec.reset_header else None
    if not value:
        return None
    try:
        if spec.reset_format == "seconds":
            return max(0.0, float(value))
        moment = float(value) if spec.reset_format == "epoch" else _instant(value)
    except ValueError:
        return None
    return max(0.0, moment - _server_now(response, now))


def retry_after(response: requests.Response, now: float) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, _instant(value) - _server_now(response, now))
    except ValueError:
        return None


def slow_down(response: requests.Response, spec: RateLimit) -> bool:
    status = response.status_code
    if status in spec.statuses:
        return True
    if status in spec.zero_remaining_statuses and spec.remaining_header:
        return response.headers.get(spec.remaining_header, "").strip() == "0"
    return False


def wait(response: requests.Response, spec: RateLimit, now: float) -> float | None:
    """How long the API asks us to wait: ``Retry-After``, else until the reset."""
    delay = retry_after(response, now)
    if delay is None:
        delay = reset_in(response, spec, now)
    return None if delay is None else delay + 0.1


def budget(response: requests.Response, spec: RateLimit, now: float) -> RateHeaders | None:
    if not spec.reads_budget:
        return None
    headers = response.headers
    try:
        limit = int(headers[str(spec.limit_header)])
        remaining = int(headers[str(spec.remaining_header)])
    except (KeyError, ValueError):
        return None
    refill = reset_in(response, spec, now)
    return None if refill is None else RateHeaders(limit, remaining, refill)
