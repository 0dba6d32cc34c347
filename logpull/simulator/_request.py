"""Parsing and validating an ``activities.list`` request the way the Reports API does."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from logpull.simulator._apps import APPLICATION_NAMES
from logpull.simulator._errors import forbidden, invalid
from logpull.simulator._timefmt import ms_ceil, ms_floor, parse_bound
from logpull.simulator._tokens import query_fingerprint

# System parameters every Google API accepts; they do not change the result set.
SYSTEM_PARAMETERS = frozenset({
    "$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token",
    "prettyPrint", "quotaUser", "uploadType", "upload_protocol",
})  # fmt: skip
MAX_RESULTS = 1000
_CUSTOMER = re.compile(r"C.+|my_customer")
_TIME_PATTERN = (
    r"(\d\d\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:(Z)|([-+])(\d\d):(\d\d))"
)


@dataclass(frozen=True, slots=True)
class ListQuery:
    user_key: str
    application: str
    start_time: str | None  # as sent
    end_time: str | None  # as sent
    lo_ms: int | None  # inclusive lower bound on id.time
    hi_ms: int | None  # inclusive upper bound on id.time
    max_results: int
    page_token: str | None
    fingerprint: str


def parse_list_query(
    user_key: str,
    application: str,
    params: Mapping[str, str],
    *,
    customer_id: str,
    inclusive_end: bool,
) -> ListQuery:
    """Validate like Google (400 in Google's error format) and normalise the bounds."""
    if application not in APPLICATION_NAMES:
        raise invalid(
            f"Invalid value '{application}' for applicationName: not a Reports API application."
        )
    max_results = _max_results(params.get("maxResults"))
    start_raw, end_raw = params.get("startTime"), params.get("endTime")
    start = _instant("startTime", start_raw)
    end = _instant("endTime", end_raw)
    if start is not None and end is not None and start > end:
        raise invalid(f"Start time {start_raw} must not be after end time {end_raw}.")
    _check_customer(params.get("customerId"), customer_id)
    identity = {k: v for k, v in params.items() if k not in SYSTEM_PARAMETERS}
    identity.pop("pageToken", None)
    identity.update(userKey=user_key, applicationName=application, maxResults=str(max_results))
    return ListQuery(
        user_key=user_key,
        application=application,
        start_time=start_raw,
        end_time=end_raw,
        lo_ms=None if start is None else ms_ceil(start),
        hi_ms=None if end is None else _upper_ms(end, inclusive_end),
        max_results=max_results,
        page_token=params.get("pageToken") or None,
        fingerprint=query_fingerprint(identity),
    )


def _max_results(raw: str | None) -> int:
    if raw is None:
        return MAX_RESULTS
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"Invalid value '{raw}'. Values must be an integer.") from None
    if not 1 <= value <= MAX_RESULTS:
        raise invalid(f"Invalid value '{raw}'. Values must be within the range: [1, {MAX_RESULTS}]")
    return value


def _instant(name: str, raw: str | None) -> Fraction | None:
    return parse_bound(
        raw,
        lambda: invalid(
            f"Invalid value '{raw}' for {name}. Values must match the following regular "
            f"expression: '{_TIME_PATTERN}'"
        ),
    )


def _upper_ms(end: Fraction, inclusive: bool) -> int:
    """The newest whole millisecond an item may have: ``<= end`` or ``< end``."""
    return ms_floor(end) if inclusive else ms_ceil(end) - 1


def _check_customer(raw: str | None, customer_id: str) -> None:
    if raw is None or raw == "my_customer":
        return
    if not _CUSTOMER.fullmatch(raw):
        raise invalid(f"Invalid value '{raw}' for customerId. Values must match 'C.+|my_customer'")
    if raw != customer_id:
        raise forbidden("Not Authorized to access this resource/api")
