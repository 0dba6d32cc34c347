"""The built-in kinds' specs: the first request and the follow-up of each, as the vendors
document them (GitHub, Slack, 1Password, Atlassian)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import orjson
from http_fakes import FakeSession, answer

from shared.config import SourceSettings
from worker.sources.base import Query
from worker.sources.http import HttpSource

Q = Query(datetime(2026, 11, 1, 0, 0, 0, 500_000, tzinfo=UTC), datetime(2026, 11, 1, 1, tzinfo=UTC))


def built(kind: str, *answers: Any, **keys: Any) -> tuple[HttpSource, FakeSession]:
    block = SourceSettings(id="b", kind=kind, start="2026-11-01T00:00:00Z", **keys)
    src = HttpSource(block.expand()[0], "secret-token")
    session = FakeSession(*answers)
    src._session = session  # type: ignore[assignment]
    return src, session


def query(request: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}


def test_github_enterprise_phrase_include_all_and_link_pages() -> None:
    link = '<https://api.github.com/enterprises/acme/audit-log?after=MS4x&per_page=100>; rel="next"'
    src, session = built(
        "github_audit_log",
        answer(body=[{"_document_id": "d", "@timestamp": 1793491800000}], headers={"Link": link}),
        enterprise="acme",
    )
    page = src.fetch(Q, None, 10)
    sent = session.sent[0]
    assert urlparse(sent.url).path == "/enterprises/acme/audit-log"
    assert query(sent) == {
        "include": "all",
        "order": "desc",
        "per_page": "100",
        "phrase": "created:>=2026-11-01T00:00:00Z created:<=2026-11-01T01:00:00Z",
    }
    assert sent.headers["Authorization"] == "Bearer secret-token"
    assert (
        page.next_token
        == "https://api.github.com/enterprises/acme/audit-log?after=MS4x&per_page=100"
    )
    assert (page.items[0].identity, page.items[0].time, src.ordering) == (
        "d",
        "2026-11-01T00:10:00.000Z",
        "newest_first",
    )
    org, session = built("github_audit_log", answer(body=[]), organization="octo", include="web")
    org.fetch(Q, None, 10)
    assert (
        urlparse(session.sent[0].url).path == "/orgs/octo/audit-log"
        and query(session.sent[0])["include"] == "web"
    )


def test_slack_inclusive_seconds_and_the_cursor_resent_with_the_filters() -> None:
    first = {
        "entries": [{"id": "e1", "date_create": 1793491800}],
        "response_metadata": {"next_cursor": "dXNl+cj0="},
    }
    last = {
        "entries": [{"id": "e2", "date_create": 1793491700}],
        "response_metadata": {"next_cursor": ""},
    }
    src, session = built("slack_audit_logs", answer(body=first), answer(body=last))
    assert src.fetch(Q, None, 10).next_token == "dXNl+cj0="
    assert query(session.sent[0]) == {
        "oldest": "1793491200",
        "latest": "1793494800",
        "limit": "1000",
    }
    assert src.fetch(Q, "dXNl+cj0=", 10).next_token is None
    assert "cursor=dXNl%2Bcj0%3D" in str(session.sent[1].url)
    assert query(session.sent[1]) == {**query(session.sent[0]), "cursor": "dXNl+cj0="}


def test_onepassword_reset_cursor_then_cursor_alone() -> None:
    src, session = built(
        "onepassword_events",
        answer(
            body={
                "items": [{"uuid": "u", "timestamp": "2026-11-01T00:10:00Z"}],
                "cursor": "c1",
                "has_more": True,
            }
        ),
        answer(body={"items": [], "cursor": "c2", "has_more": False}),
        streams=["itemusages"],
    )
    assert src.fetch(Q, None, 10).next_token == "c1"
    sent = session.sent[0]
    assert (sent.method, urlparse(sent.url).path) == ("POST", "/api/v1/itemusages")
    assert orjson.loads(sent.body) == {
        "limit": 1000,
        "start_time": "2026-10-31T23:59:59Z",
        "end_time": "2026-11-01T01:00:01Z",
    }
    assert src.fetch(Q, "c1", 10).next_token is None
    assert orjson.loads(session.sent[1].body) == {"cursor": "c1"}


def test_atlassian_epoch_ms_edges_and_links_next() -> None:
    page = {
        "data": [{"id": "a1", "attributes": {"time": "2026-11-01T00:10:00.123Z"}}],
        "links": {"next": "https://api.atlassian.com/admin/v1/orgs/o-1/events?cursor=zz"},
    }
    src, session = built(
        "atlassian_org_audit",
        answer(body=page),
        answer(body={"data": [], "links": {}}),
        org_id="o-1",
    )
    result = src.fetch(Q, None, 10)
    assert urlparse(session.sent[0].url).path == "/admin/v1/orgs/o-1/events"
    assert query(session.sent[0]) == {"from": "1793491199500", "to": "1793494801000"}
    assert result.items[0].time == "2026-11-01T00:10:00.123Z" and result.next_token is not None
    src.fetch(Q, result.next_token, 10)
    assert session.sent[1].url == "https://api.atlassian.com/admin/v1/orgs/o-1/events?cursor=zz"
