"""Parsing and validating a ``GET /api/v1/logs`` request the way Okta does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from logpull.simulator._timefmt import ms_ceil, parse_bound
from logpull.simulator._tokens import query_fingerprint
from logpull.simulator.okta._errors import validation
from logpull.simulator.okta._filter import compile_match

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DEFAULT_LOOKBACK = Fraction(7 * 86_400)  # since defaults to 7 days before until / now
SORT_ORDERS = ("ASCENDING", "DESCENDING")
_DATE_DETAILS = (
    "The date format in your query is not recognized. Please enter dates using ISO8601 "
    "string format.",
    "must be a valid date-time or empty.",
)


@dataclass(frozen=True, slots=True)
class LogQuery:
    since_raw: str | None  # as sent
    until_raw: str | None  # as sent
    since: Fraction | None  # exact seconds since the epoch
    until: Fraction | None
    limit: int
    descending: bool
    after: str | None
    fingerprint: str
    match: Callable[[bytes], bool] | None

    @property
    def polling(self) -> bool:
        """Okta's polling request: no ``until`` and ascending order."""
        return self.until is None and not self.descending

    def bounds_ms(self, now: float) -> tuple[int, int]:
        """``[lo, hi)`` in whole published milliseconds of a bounded request.

        ``since`` is inclusive and ``until`` exclusive; ``until`` defaults to ``now`` and
        ``since`` to seven days before ``until``."""
        until = self.until if self.until is not None else Fraction(now)
        since = self.since if self.since is not None else until - DEFAULT_LOOKBACK
        return ms_ceil(since), ms_ceil(until)

    def polling_since(self, now: float) -> float:
        """The lower bound on persistence (visible-at) time of a polling request."""
        since = self.since if self.since is not None else Fraction(now) - DEFAULT_LOOKBACK
        return float(since)


def parse_query(params: Mapping[str, str]) -> LogQuery:
    """Validate like Okta (400 in Okta's error format) and normalise."""
    limit = _limit(params.get("limit"))
    order = params.get("sortOrder") or "ASCENDING"
    if order not in SORT_ORDERS:
        raise validation("sortOrder", f"must be one of {', '.join(SORT_ORDERS)}.")
    since_raw, until_raw = params.get("since") or None, params.get("until") or None
    since, until = _instant("since", since_raw), _instant("until", until_raw)
    if since is not None and until is not None and since > until:
        raise validation("since", "must not be after until.")
    filter_text, q = params.get("filter") or None, params.get("q") or None
    match = compile_match(filter_text, q)
    identity = {
        "since": since_raw or "",
        "until": until_raw or "",
        "limit": str(limit),
        "sortOrder": order,
        "filter": filter_text or "",
        "q": q or "",
    }
    return LogQuery(
        since_raw=since_raw,
        until_raw=until_raw,
        since=since,
        until=until,
        limit=limit,
        descending=order == "DESCENDING",
        after=params.get("after") or None,
        fingerprint=query_fingerprint(identity),
        match=match,
    )


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise validation("limit", "must be an integer.") from None
    if not 1 <= value <= MAX_LIMIT:
        raise validation("limit", f"must be between 1 and {MAX_LIMIT}.")
    return value


def _instant(name: str, raw: str | None) -> Fraction | None:
    return parse_bound(raw, lambda: validation(name, *_DATE_DETAILS))
