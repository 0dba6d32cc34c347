"""The Okta simulator's pieces without HTTP: store paging, cursors, filters, settings."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

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

from logpull.simulator import OktaSimulatorSettings, parse_rfc3339
from logpull.simulator.okta._cursor import BOUNDED, POLLING, Cursor, decode_cursor, encode_cursor
from logpull.simulator.okta._errors import OktaError
from logpull.simulator.okta._filter import compile_match
from logpull.simulator.okta._generator import build_okta_store
from logpull.simulator.okta._query import parse_query
from logpull.simulator.okta._store import OktaStore

START_MS = 1_793_491_200_000  # 2026-11-01T00:00:00Z
STORE = build_okta_store(
    OktaSimulatorSettings(
        events=400,
        end=datetime(2026, 11, 1, 0, 10, tzinfo=UTC),
        shared_timestamp_fraction=0.4,
        edge_fraction=0.2,
        late_fraction=0.5,
        late_min=0.0,
        late_max=300.0,
    )
)
BLOBS = STORE.truth_blobs()
EVENTS = [json.loads(blob) for blob in BLOBS]
PUBLISHED = [int(parse_rfc3339(event["published"]) * 1000) for event in EVENTS]
VISIBLE = list(STORE._visible_at)
ms_in_timeline = st.integers(min_value=START_MS - 1000, max_value=START_MS + 601_000)


def bounded_walk(
    store: OktaStore, lo: int, hi: int, limit: int, now: float, *, descending: bool
) -> list[bytes]:
    return walk_pages(
        lambda after: store.bounded_page(
            lo, hi, after, descending=descending, limit=limit, now=now
        ),
        limit,
    )


@settings(max_examples=150, deadline=None)
@given(
    lo=ms_in_timeline,
    hi=ms_in_timeline,
    limit=st.integers(min_value=1, max_value=60),
    now_offset=st.floats(min_value=-10.0, max_value=1000.0),
    descending=st.booleans(),
)
def test_bounded_paging_equals_brute_force(
    lo: int, hi: int, limit: int, now_offset: float, descending: bool
) -> None:
    now = START_MS / 1000 + 600 + now_offset
    expected = [
        blob for i, blob in enumerate(BLOBS)
        if lo <= PUBLISHED[i] < hi and VISIBLE[i] <= now
    ]  # fmt: skip
    if descending:
        expected.reverse()
    assert bounded_walk(STORE, lo, hi, limit, now, descending=descending) == expected


@settings(max_examples=100, deadline=None)
@given(
    since_offset=st.floats(min_value=-10.0, max_value=900.0),
    limit=st.integers(min_value=1, max_value=60),
    polls=st.lists(st.floats(min_value=0.0, max_value=200.0), min_size=1, max_size=6),
)
def test_polling_returns_each_visible_event_once_in_persistence_order(
    since_offset: float, limit: int, polls: list[float]
) -> None:
    since = START_MS / 1000 + since_offset
    now = START_MS / 1000
    seen: list[bytes] = []
    after = None
    for step in [*polls, 10_000.0]:
        now += step
        while True:
            page = STORE.polling_page(since, after, limit=limit, now=now)
            seen += page.blobs
            after = page.last_persisted or after
            if not page.blobs:
                break
    order = sorted(range(len(BLOBS)), key=lambda i: (VISIBLE[i], EVENTS[i]["uuid"]))
    assert seen == [BLOBS[i] for i in order if VISIBLE[i] >= since]


def test_event_visible_exactly_from_visible_at() -> None:
    index = max(range(len(BLOBS)), key=lambda i: VISIBLE[i] - PUBLISHED[i] / 1000)
    at, published = VISIBLE[index], PUBLISHED[index]
    page = STORE.bounded_page(published, published + 1, None, descending=False, limit=1000,
                              now=at - 1e-3)  # fmt: skip
    assert BLOBS[index] not in page.blobs
    page = STORE.bounded_page(published, published + 1, None, descending=False, limit=1000, now=at)
    assert BLOBS[index] in page.blobs


# -- cursors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor("abc", BOUNDED, START_MS, 2**128 - 1, 1000.0),
        Cursor("abc", POLLING, 1_793_491_200.123456, 0, 1000.5),
        Cursor("abc", POLLING, None, None, 1000.0),
    ],
)
def test_cursor_round_trip(cursor: Cursor) -> None:
    token = encode_cursor(cursor)
    assert "=" not in token and "+" not in token and "/" not in token
    assert decode_cursor(token, "abc", 1000.0, None) == cursor
    assert decode_cursor(token, "abc", 1e12, None) == cursor  # no ttl: never expires


def test_cursor_rejections_are_okta_400s() -> None:
    token = encode_cursor(Cursor("abc", BOUNDED, START_MS, 5, 1000.0))
    for fingerprint, now, ttl in (("xyz", 1000.0, None), ("abc", 1061.0, 60.0)):
        with pytest.raises(OktaError) as caught:
            decode_cursor(token, fingerprint, now, ttl)
        assert caught.value.status == 400 and caught.value.code == "E0000001"
        assert caught.value.summary == "Api validation failed: after"
    for bad in (token[:-3], "", "eyJ2IjoxLCJxIjoiYWJjIiwibSI6ImIiLCJ0IjpudWxsLCJ1IjpudWxsfQ"):
        with pytest.raises(OktaError):
            decode_cursor(bad, "abc", 1000.0, None)


# -- filter and q ----------------------------------------------------------------------------

EVENT: dict[str, Any] = {
    "eventType": "user.session.start",
    "severity": "WARN",
    "displayMessage": "User login to Okta",
    "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
    "actor": {"id": "00uABC", "alternateId": "alice@example.com"},
    "client": {"ipAddress": "10.0.0.1", "geographicalContext": {"city": "San Francisco"}},
    "authenticationContext": {"authenticationStep": 0},
    "target": [{"id": "0oa1", "type": "AppInstance"}, {"id": "00g2", "type": "UserGroup"}],
    "transaction": {"id": "XOxBw-2JIRnCFd0gG0GjHAAABjY"},
}
BLOB = json.dumps(EVENT).encode()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('eventType eq "user.session.start"', True),
        ('eventType eq "USER.SESSION.START"', True),  # SCIM: strings ignore case
        ('eventType eq "user.session.end"', False),
        ('eventType ne "user.session.end"', True),
        ('target.id eq "00g2"', True),  # any element of an array
        ('target.id eq "0oa1" and target.id eq "00g2"', True),
        ('target.id ne "0oa1"', False),
        ('actor.alternateId sw "alice@" and actor.alternateId ew ".com"', True),
        ('displayMessage co "login"', True),
        ('outcome.result eq "SUCCESS" or severity eq "WARN"', True),
        ('not (severity eq "WARN")', False),
        ('(severity eq "INFO" or severity eq "WARN") and outcome.reason pr', True),
        ("authenticationContext.authenticationStep eq 0", True),
        ("authenticationContext.authenticationStep gt 0", False),
        ("outcome.reason eq null", False),
        ("device pr", False),
    ],
)
def test_filter_expressions(expression: str, expected: bool) -> None:
    match = compile_match(expression, None)
    assert match is not None and match(BLOB) is expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("login", True),
        ("LOGIN okta", True),
        ("San Francisco", True),
        ("alice@example.com", True),
        ("alice", False),  # keywords match whole values or words, not substrings
        ("XOxBw", True),  # hyphenated values also match their parts
        ("XOxBw-2JIRnCFd0gG0GjHAAABjY", True),
        ("login logout", False),  # every keyword must match
    ],
)
def test_keywords(q: str, expected: bool) -> None:
    match = compile_match(None, q)
    assert match is not None and match(BLOB) is expected


def test_no_filter_no_predicate() -> None:
    assert compile_match(None, None) is None and compile_match("", "  ") is None


# -- query parameters and settings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "until", "lo", "hi"),
    [
        ("2026-11-01T00:00:00Z", "2026-11-01T00:00:01Z", START_MS, START_MS + 1000),
        ("2026-11-01T00:00:00.0005Z", "2026-11-01T00:00:00.0015Z", START_MS + 1, START_MS + 2),
        ("2026-11-01T01:00:00.001+01:00", "2026-11-01T00:00:00.001Z", START_MS + 1, START_MS + 1),
    ],
)
def test_bounds_are_since_inclusive_until_exclusive(
    since: str, until: str, lo: int, hi: int
) -> None:
    # A whole millisecond m is inside exactly when since <= m < until.
    assert parse_query({"since": since, "until": until}).bounds_ms(0.0) == (lo, hi)


def test_query_defaults() -> None:
    query = parse_query({})
    assert query.limit == 100 and not query.descending and query.polling
    now = START_MS / 1000
    assert query.polling_since(now) == now - 7 * 86_400
    bounded = parse_query({"sortOrder": "DESCENDING"})
    assert not bounded.polling
    assert bounded.bounds_ms(now) == (START_MS - 7 * 86_400_000, START_MS)
    assert parse_query({"until": "2026-11-01T00:00:00Z"}).polling is False
    assert parse_query({"since": "2026-11-01T00:00:00Z"}).since == Fraction(START_MS, 1000)


@pytest.mark.parametrize(
    "overrides",
    [
        *BAD_COMMON_SETTINGS,
        {"fault_kinds": ("403_rate",)},
        {"token": ""},
        {"cursor_ttl": 0},
    ],
)
def test_settings_reject_nonsense(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OktaSimulatorSettings(**overrides)


def test_settings_defaults_and_frozen() -> None:
    value = OktaSimulatorSettings(start="2026-11-01T02:00:00+02:00")  # type: ignore[arg-type]
    assert value.fault_kinds == ("429", "500", "503", "truncated", "not_json", "reset")
    assert value.token == "test-token" and value.cursor_ttl is None  # noqa: S105
    assert_defaults_and_frozen(value)
