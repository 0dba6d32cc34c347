"""``microsoft_graph_audit`` on the http engine, and what the engine gained for it: a
token URL and client id from the kind's keys, a stream's own time field in ``$filter``,
a dot inside a JSON key (``@odata.nextLink``), the token endpoint's AADSTS cause."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from http_fakes import FakeSession, answer
from pydantic import ValidationError

from shared.config import SourceSettings
from shared.errors import PermanentError, RateLimited, RetryableError
from shared.kinds.http_spec import split_path
from worker.sources.base import Query
from worker.sources.http import HttpSource

Q = Query(datetime(2026, 11, 1, 0, 0, 0, 500_000, tzinfo=UTC), datetime(2026, 11, 1, 1, tzinfo=UTC))
KEYS: dict[str, Any] = {"tenant_id": "contoso.onmicrosoft.com", "client_id": "app-1"}


def block(**keys: Any) -> SourceSettings:
    return SourceSettings(id="entra", kind="microsoft_graph_audit", start="2026-11-01T00:00:00Z",
                          **{**KEYS, **keys})  # fmt: skip


def built(stream: str, session: FakeSession, **keys: Any) -> HttpSource:
    chosen = next(s for s in block(**keys).expand() if s.stream == stream)
    src = HttpSource(chosen, "client-secret~value", clock=lambda: 1000.0)
    src._session = session  # type: ignore[assignment]
    src._auth.session = session  # type: ignore[union-attr]
    return src


def token(value: str = "at-1", lifetime: Any = 3599) -> Any:
    return answer(body={"token_type": "Bearer", "expires_in": lifetime, "access_token": value})


def test_streams_ids_and_defaults() -> None:
    expanded = block(streams="all").expand()
    assert [s.id for s in expanded] == ["entra/directoryAudits", "entra/signIns"]
    assert [s.id for s in block(streams=["signIns"]).expand()] == ["entra/signIns"]
    one = expanded[0]
    assert one.page_size == 1000 and one.effective_late_horizon.total_seconds() == 3600
    with pytest.raises(ValidationError, match="page_size"):
        block(page_size=1001)
    with pytest.raises(ValidationError, match="tenant_id"):
        SourceSettings(id="e", kind="microsoft_graph_audit", start="2026-11-01T00:00:00Z",
                       client_id="x")  # fmt: skip


@pytest.mark.parametrize(("stream", "field"), [("directoryAudits", "activityDateTime"),
                                               ("signIns", "createdDateTime")])  # fmt: skip
def test_first_request_token_and_filter(stream: str, field: str) -> None:
    session = FakeSession(answer(body={"value": [{"id": "e1", field: "2026-11-01T00:10:00.1234567Z"}]}))
    session.token_answers.append(token())
    src = built(stream, session, login_endpoint="http://login.test/")
    page = src.fetch(Q, None, 10)
    post = session.posts[0]
    assert post["url"] == "http://login.test/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert post["data"] == {"grant_type": "client_credentials", "client_id": "app-1",
                            "client_secret": "client-secret~value",
                            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    sent = session.sent[0]
    assert urlparse(sent.url).path == f"/v1.0/auditLogs/{stream}"
    assert {k: v[0] for k, v in parse_qs(urlparse(sent.url).query).items()} == {
        "$top": "1000",
        "$filter": f"{field} ge 2026-11-01T00:00:00Z and {field} le 2026-11-01T01:00:00Z",
    }
    assert sent.headers["Authorization"] == "Bearer at-1"
    assert (page.items[0].identity, page.items[0].time) == ("e1", "2026-11-01T00:10:00.123Z")
    assert src.event_time({field: "2026-11-01T00:10:00.9999999Z"}) == "2026-11-01T00:10:00.999Z"


def test_next_link_followed_as_given_even_after_an_empty_page() -> None:
    link = "https://graph.microsoft.com/v1.0/auditLogs/signIns?$top=1000&$skiptoken=abc%2B1"
    session = FakeSession(answer(body={"@odata.context": "x", "value": [], "@odata.nextLink": link}),
                          answer(body={"value": []}))  # fmt: skip
    session.token_answers.append(token())
    src = built("signIns", session)
    assert src.fetch(Q, None, 10).next_token == link
    assert src.fetch(Q, link, 10).next_token is None
    assert session.sent[1].url == link


def test_throttling_and_server_errors() -> None:
    body = {"error": {"code": "TooManyRequests", "message": "Too many requests",
                      "innerError": {"date": "2026-11-01T00:00:00", "request-id": "r"}}}  # fmt: skip
    session = FakeSession(answer(429, body, headers={"Retry-After": "2.5"}),
                          answer(503, {"error": {"code": "serviceNotAvailable"}}),
                          answer(504, {"error": {"code": "UnknownError"}}))  # fmt: skip
    session.token_answers.append(token())
    src = built("directoryAudits", session)
    with pytest.raises(RateLimited) as limited:
        src.fetch(Q, None, 10)
    assert limited.value.delay == pytest.approx(2.6)
    for _ in range(2):
        with pytest.raises(RetryableError):
            src.fetch(Q, None, 10)


def test_token_renewed_once_on_invalid_authentication_token() -> None:
    expired = {"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired"}}
    session = FakeSession(answer(401, expired), answer(body={"value": []}))
    session.token_answers.extend([token("old"), token("new", "3599")])  # (a string lifetime too)
    src = built("signIns", session)
    src.fetch(Q, None, 10)
    assert [r.headers["Authorization"] for r in session.sent] == ["Bearer old", "Bearer new"]


def test_a_refused_client_fails_with_the_aadsts_cause_and_no_secret() -> None:
    session = FakeSession()
    session.token_answers.append(answer(401, {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\n"
                             "Correlation ID: c\r\nTimestamp: 2026-11-01 00:00:00Z",
        "error_codes": [7000215]}))  # fmt: skip
    with pytest.raises(PermanentError) as refused:
        built("signIns", session).fetch(Q, None, 10)
    message = str(refused.value)
    assert refused.value.reason == "bad_credentials"
    assert "AADSTS7000215: Invalid client secret provided." in message
    assert "Trace ID" not in message and "client-secret~value" not in message


def test_escaped_dots_and_unknown_auth_placeholders() -> None:
    assert split_path("@odata\\.nextLink") == ("@odata.nextLink",)
    assert split_path("a.b\\.c.d") == ("a", "b.c", "d")
    with pytest.raises(ValidationError, match=r"auth.token_url: unknown placeholder \{tenant\}"):
        SourceSettings(id="x", kind="http", start="2026-11-01T00:00:00Z", api_endpoint="http://a",
                       request={"url": "/x"}, records={"time_path": "t"},
                       time_range={"start_param": "a", "end_param": "b"},
                       auth={"type": "oauth2_client_credentials",
                             "token_url": "http://l/{tenant}/token"})  # fmt: skip
