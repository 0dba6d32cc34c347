"""The engine's pagination styles, done conditions, dead tokens and rate limits, against
queued answers (tests/http_fakes.py): what goes out, and what a page yields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import orjson
import pytest
from http_fakes import FakeSession, answer, source

from shared.errors import RateLimited, TokenRejected
from shared.models import Boundary
from worker.dedup import filter_page
from worker.pager import frozen_query
from worker.sources.base import Event, Query

Q = Query(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 1, tzinfo=UTC))
T = "2026-11-01T00:30:00Z"
RECORDS = {"path": "data", "time_path": "meta.at", "id_paths": ["id"]}
WINDOW = {"start_param": "from", "end_param": "to"}


def query(request: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}


def body(request: Any) -> dict[str, Any]:
    return dict(orjson.loads(request.body))


def page(*ids: str, **extra: Any) -> dict[str, Any]:
    return {"data": [{"id": i, "meta": {"at": T}, "x": [1, 2]} for i in ids], **extra}


def test_body_cursor_resent_with_the_same_filters() -> None:
    session = FakeSession(
        answer(body=page("a", "b", next={"cursor": "c/1=="})), answer(body=page("c", next={}))
    )
    src = source(
        session,
        request={"url": "/v1/logs", "params": {"type": "all"}, "page_size_param": "limit"},
        time_range={**WINDOW, "format": "epoch_s", "end_inclusive": True},
        page_size=2,
        pages={"token_from": "body", "token_path": "next.cursor", "send_param": "cursor"},
        records=RECORDS,
    )
    first = src.fetch(Q, None, 10)
    assert [e.identity for e in first.items] == ["a", "b"] and first.next_token == "c/1=="
    assert query(session.sent[0]) == {
        "type": "all",
        "limit": "2",
        "from": "1793491200",
        "to": "1793494800",
    }
    second = src.fetch(Q, first.next_token, 10)
    assert "cursor=c%2F1%3D%3D" in str(session.sent[1].url)  # URL-encoded
    assert query(session.sent[1]) == {**query(session.sent[0]), "cursor": "c/1=="}
    assert (
        second.next_token is None
        and second.items[0].raw == b'{"id":"c","meta":{"at":"2026-11-01T00:30:00Z"},"x":[1,2]}'
    )
    assert session.sent[0].headers["Authorization"] == "Bearer tok"


def test_post_body_window_then_cursor_alone_until_has_more_is_false() -> None:
    session = FakeSession(
        answer(body={"items": [{"uuid": "u1", "timestamp": T}], "cursor": "k1", "has_more": True}),
        answer(body={"items": [{"uuid": "u2", "timestamp": T}], "cursor": "k2", "has_more": False}),
    )
    src = source(
        session,
        request={"method": "POST", "url": "/api/v1/{stream}", "page_size_param": "limit"},
        streams=[{"name": "auditevents"}],
        time_range={"start_param": "start_time", "end_param": "end_time"},
        pages={
            "token_from": "body",
            "token_path": "cursor",
            "send_as": "body",
            "send_param": "cursor",
            "resend_query": False,
            "has_more_path": "has_more",
        },
        records={
            "path": "items",
            "time_path": "timestamp",
            "id_paths": ["uuid"],
            "order": "oldest_first",
        },
        page_size=100,
    )
    assert src.fetch(Q, None, 10).next_token == "k1"
    assert session.sent[0].url == "http://api.test/api/v1/auditevents"
    assert body(session.sent[0]) == {
        "limit": 100,
        "start_time": "2026-11-01T00:00:00Z",
        "end_time": "2026-11-01T01:00:00Z",
    }
    assert src.fetch(Q, "k1", 10).next_token is None
    assert body(session.sent[1]) == {"cursor": "k1"}
    assert src.ordering == "oldest_first"


def test_link_header_followed_as_given_and_records_at_the_root() -> None:
    link = (
        '<http://api.test/audit?after=XYZ&per_page=2>; rel="next", '
        '<http://api.test/audit?before=1>; rel="prev"'
    )
    session = FakeSession(
        answer(body=[{"_document_id": "d1", "@timestamp": 1793493000000}], headers={"Link": link}),
        answer(body=[{"_document_id": "d2", "@timestamp": 1793493000001}]),
    )
    src = source(
        session,
        request={"url": "/audit", "page_size_param": "per_page"},
        time_range={
            "phrase_param": "phrase",
            "phrase": "created:>={start} created:<={end}",
            "end_inclusive": True,
        },
        pages={"token_from": "link"},
        records={
            "time_path": "@timestamp",
            "time_format": "epoch_ms",
            "id_paths": ["_document_id"],
        },
        page_size=2,
    )
    first = src.fetch(Q, None, 10)
    assert (
        query(session.sent[0])["phrase"]
        == "created:>=2026-11-01T00:00:00Z created:<=2026-11-01T01:00:00Z"
    )
    assert first.next_token == "http://api.test/audit?after=XYZ&per_page=2"
    assert first.items[0].time == "2026-11-01T00:30:00.000Z"
    assert src.fetch(Q, first.next_token, 10).next_token is None
    assert session.sent[1].url == "http://api.test/audit?after=XYZ&per_page=2"


def test_next_url_in_the_body_header_tokens_and_auto() -> None:
    session = FakeSession(
        answer(body=page("a", links={"next": "http://api.test/next?c=1"})),
        answer(body=page("b", links={"next": "opaque"})),
        answer(body=page("c", links={})),
    )
    src = source(
        session,
        request={"url": "/e"},
        time_range={**WINDOW, "format": "epoch_ms"},
        pages={
            "token_from": "body",
            "token_path": "links.next",
            "send_as": "auto",
            "send_param": "cursor",
        },
        records=RECORDS,
    )
    assert src.fetch(Q, None, 10).next_token == "http://api.test/next?c=1"
    assert src.fetch(Q, "http://api.test/next?c=1", 10).next_token == "opaque"
    assert session.sent[1].url == "http://api.test/next?c=1"
    src.fetch(Q, "opaque", 10)
    assert (
        query(session.sent[2])["cursor"] == "opaque"
        and query(session.sent[2])["from"] == "1793491200000"
    )

    headers = FakeSession(answer(body=page("a"), headers={"X-Next": "h1"}), answer(body=page("b")))
    src = source(
        headers,
        request={"url": "/e"},
        time_range=WINDOW,
        pages={"token_from": "header", "token_header": "X-Next", "send_param": "page"},
        records=RECORDS,
    )
    assert src.fetch(Q, None, 10).next_token == "h1"
    assert src.fetch(Q, "h1", 10).next_token is None


def test_an_empty_page_ends_the_pass_and_a_hash_identifies_records_without_an_id() -> None:
    session = FakeSession(
        answer(body={"data": [], "next": "again"}),
        answer(body={"data": [{"b": 1, "at": T, "a": 2}], "next": None}),
    )
    src = source(
        session,
        request={"url": "/e"},
        time_range=WINDOW,
        pages={"token_from": "body", "token_path": "next", "send_param": "c"},
        records={"path": "data", "time_path": "at"},
    )
    assert src.fetch(Q, None, 10).next_token is None
    item = src.fetch(Q, None, 10).items[0]
    assert item.identity == src.identity({"a": 2, "at": T, "b": 1, "_logpull": {"x": 1}})
    assert src.event_time({"at": T}) == "2026-11-01T00:30:00.000Z"


def test_dead_tokens_by_status_and_by_error_code() -> None:
    session = FakeSession(
        answer(410, {"error": "gone"}),
        answer(400, {"ok": False, "error": "invalid_cursor"}),
        answer(200, {"ok": False, "error": "invalid_cursor"}),
    )
    src = source(
        session,
        request={"url": "/e"},
        time_range=WINDOW,
        pages={
            "token_from": "body",
            "token_path": "next",
            "send_param": "c",
            "dead_token_codes": ["invalid_cursor"],
        },
        records=RECORDS,
    )
    for _ in range(3):
        with pytest.raises(TokenRejected):
            src.fetch(Q, "old", 10)


def test_rate_limits_their_waits_and_the_budget_headers() -> None:
    limits = {
        "limit_header": "X-RateLimit-Limit",
        "remaining_header": "X-RateLimit-Remaining",
        "reset_header": "X-RateLimit-Reset",
        "reset_format": "seconds",
    }
    session = FakeSession(
        answer(429, {}, {"Retry-After": "7"}),
        answer(
            429,
            {},
            {
                "Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT",
                "Date": "Wed, 21 Oct 2015 07:27:50 GMT",
            },
        ),
        answer(403, {}, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}),
        answer(403, {}, {"X-RateLimit-Remaining": "5"}),
        answer(
            body=page("a"),
            headers={
                "X-RateLimit-Limit": "600",
                "X-RateLimit-Remaining": "12",
                "X-RateLimit-Reset": "20",
            },
        ),
    )
    src = source(
        session, request={"url": "/e"}, time_range=WINDOW, records=RECORDS, rate_limit=limits
    )
    waits = []
    for _ in range(3):
        with pytest.raises(RateLimited) as caught:
            src.fetch(Q, None, 10)
        waits.append(caught.value.delay)
    assert waits == [pytest.approx(7.1), pytest.approx(10.1), pytest.approx(30.1)]
    with pytest.raises(Exception, match="not authorised"):
        src.fetch(Q, None, 10)
    rate = src.fetch(Q, None, 10).rate
    assert rate is not None and (rate.limit, rate.remaining, rate.reset_in) == (600, 12, 20.0)


def test_unordered_records_are_deduplicated_by_every_identity_of_the_pass() -> None:

    def ev(ident: str, minute: int) -> Event:
        return Event(b"{}", f"2026-11-01T00:{minute:02d}:00.000Z", ident)

    window = (Q.start, Q.end)
    first = filter_page([ev("a", 30), ev("b", 10), ev("c", 50)], Boundary(), window, "none")
    assert [e.identity for e in first.items] == ["a", "b", "c"]
    again = filter_page(
        [ev("b", 10), ev("d", 5), ev("a", 30), ev("e", 59)], first.boundary, window, "none"
    )
    assert [e.identity for e in again.items] == ["d", "e"] and again.dropped_seen == 2
    assert len(again.boundary.ids) == 5

    @dataclass
    class Record:
        key: Any
        resume_from: Any

    record = Record(type("K", (), {"start": Q.start, "end": Q.end})(), Q.start)
    assert frozen_query(record, "none") == Q  # type: ignore[arg-type]  # nothing to narrow to
