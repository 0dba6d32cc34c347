"""The simulator's pieces without HTTP: time format, tokens, range lookups, settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from simulator_helpers import BAD_COMMON_SETTINGS, assert_defaults_and_frozen, walk_pages

from logpull.simulator import SimulatorSettings, format_ms, parse_rfc3339
from logpull.simulator._errors import ApiError
from logpull.simulator._generator import build_store
from logpull.simulator._request import parse_list_query
from logpull.simulator._store import EventStore, RangeQuery
from logpull.simulator._tokens import Cursor, decode_token, encode_token

START_MS = 1_793_491_200_000  # 2026-11-01T00:00:00Z
SPAN_MS = 2 * 86_400_000

# -- time format ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2026-11-01T00:00:00Z", Fraction(1_793_491_200)),
        ("2026-11-01T00:00:00.5Z", Fraction(1_793_491_200) + Fraction(1, 2)),
        ("2026-11-01T01:00:00.000+01:00", Fraction(1_793_491_200)),
        ("2026-10-31T19:30:00-04:30", Fraction(1_793_491_200)),
        ("2026-11-01T00:00:00.000000001Z", Fraction(1_793_491_200) + Fraction(1, 10**9)),
    ],
)
def test_parse_rfc3339(text: str, seconds: Fraction) -> None:
    assert parse_rfc3339(text) == seconds


@pytest.mark.parametrize(
    "text", ["2026-11-01", "2026-11-01T00:00:00", "2026-13-01T00:00:00Z", "2026-11-01T24:00:00Z",
             "2026-02-29T00:00:00Z", "2026-11-01T00:00:00Zjunk", "2026-11-01t00:00:00z"],
)  # fmt: skip
def test_parse_rfc3339_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)


@given(st.integers(min_value=0, max_value=253_402_300_799_999))
def test_format_ms_round_trips(epoch_ms: int) -> None:
    text = format_ms(epoch_ms)
    assert len(text) == 24 and text.endswith("Z")
    assert parse_rfc3339(text) * 1000 == epoch_ms
    expected = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    assert text[:19] == expected.strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize(
    ("end", "inclusive", "hi_ms"),
    [
        ("2026-11-01T00:00:00.0005Z", True, START_MS),
        ("2026-11-01T00:00:00.0005Z", False, START_MS),
        ("2026-11-01T00:00:00.001Z", True, START_MS + 1),
        ("2026-11-01T00:00:00.001Z", False, START_MS),
    ],
)
def test_sub_millisecond_end_bounds(end: str, inclusive: bool, hi_ms: int) -> None:
    query = parse_list_query(
        "all", "login", {"endTime": end, "startTime": "2026-11-01T00:00:00.0005Z"},
        customer_id="C1", inclusive_end=inclusive,
    )  # fmt: skip
    assert query.hi_ms == hi_ms
    assert query.lo_ms == START_MS + 1  # startTime is inclusive: ceil to whole ms


# -- page tokens -------------------------------------------------------------------------


def test_token_round_trip_and_rejections() -> None:
    cursor = Cursor("abc", START_MS, -(2**63), 1000.0)
    token = encode_token(cursor)
    assert "=" not in token and "+" not in token and "/" not in token
    assert decode_token(token, "abc", 1000.0, None) == cursor
    assert decode_token(token, "abc", 1e12, None) == cursor  # no ttl: never expires
    for bad_fingerprint, now, ttl in (("xyz", 1000.0, None), ("abc", 1061.0, 60.0)):
        with pytest.raises(ApiError) as caught:
            decode_token(token, bad_fingerprint, now, ttl)
        assert caught.value.code == 400 and caught.value.message == "Invalid value for pageToken"
    with pytest.raises(ApiError):
        decode_token(token[:-3], "abc", 1000.0, None)


# -- range lookups -----------------------------------------------------------------------

STORE = build_store(
    SimulatorSettings(
        events=400,
        end=datetime(2026, 11, 1, 0, 10, tzinfo=UTC),
        shared_timestamp_fraction=0.4,
        edge_fraction=0.2,
        late_fraction=0.5,
        late_min=0.0,
        late_max=300.0,
    )
)
TIME_OF = {
    blob: int(parse_rfc3339(json.loads(blob)["id"]["time"]) * 1000)
    for blob in STORE.truth_blobs("login")
}
ms_in_timeline = st.integers(min_value=START_MS - 1000, max_value=START_MS + 601_000)


def page_through(
    store: EventStore, lo: int | None, hi: int | None, limit: int, now: float
) -> list[bytes]:
    return walk_pages(
        lambda after: store.page("login", RangeQuery(lo, hi, after, "all", limit), now), limit
    )


@settings(max_examples=120, deadline=None)
@given(
    lo=st.none() | ms_in_timeline,
    hi=st.none() | ms_in_timeline,
    limit=st.integers(min_value=1, max_value=60),
    now_offset=st.floats(min_value=-10.0, max_value=1000.0),
)
def test_paging_equals_brute_force_filter(
    lo: int | None, hi: int | None, limit: int, now_offset: float
) -> None:
    now = START_MS / 1000 + 600 + now_offset
    expected = [
        blob for blob in STORE.truth_blobs("login", now)
        if (lo is None or TIME_OF[blob] >= lo) and (hi is None or TIME_OF[blob] <= hi)
    ]  # fmt: skip
    assert page_through(STORE, lo, hi, limit, now) == expected


def test_event_visible_exactly_from_visible_at() -> None:
    events = STORE._apps["login"]
    index = max(
        range(len(events.blobs)), key=lambda i: events.visible_at[i] - events.times[i] / 1000
    )
    at = events.visible_at[index]
    query = RangeQuery(events.times[index], events.times[index], None, "all", 1000)
    blob = events.blobs[index]
    assert blob not in STORE.page("login", query, at - 1e-3).blobs
    assert blob in STORE.page("login", query, at).blobs


# -- settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        *BAD_COMMON_SETTINGS,
        {"applications": ("login", "bogus")},
        {"applications": ()},
        {"fault_kinds": ("418",)},
    ],
)
def test_settings_reject_nonsense(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SimulatorSettings(**overrides)


def test_settings_defaults_and_frozen() -> None:
    value = SimulatorSettings(start="2026-11-01T02:00:00+02:00")  # type: ignore[arg-type]
    assert_defaults_and_frozen(value)
