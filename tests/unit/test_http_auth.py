"""Auth of the http engine: bearer, named header, basic, OAuth 2.0 client credentials
(cached, renewed before expiry, renewed once on a 401) and a hook by entry point."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from http_fakes import FakeSession, answer, source

from shared.errors import PermanentError
from worker.sources.base import Query
from worker.sources.http import _auth

Q = Query(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 1, tzinfo=UTC))
BASE: dict[str, Any] = {
    "request": {"url": "/e"},
    "time_range": {"start_param": "a", "end_param": "b"},
    "records": {"path": "data", "time_path": "at", "id_paths": ["id"]},
}
OK = {"data": [{"id": "1", "at": "2026-11-01T00:10:00Z"}]}
OAUTH = {
    "type": "oauth2_client_credentials",
    "token_url": "http://idp.test/token",
    "client_id": "cid",
    "scope": "audit.read",
    "renew_before": "60s",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token(value: str, lifetime: int = 3600) -> requests.Response:
    return answer(body={"access_token": value, "token_type": "bearer", "expires_in": lifetime})


@pytest.mark.parametrize(
    ("auth", "secret", "header", "expected"),
    [
        ({"type": "bearer"}, "t0k", "Authorization", "Bearer t0k"),
        ({"type": "bearer", "scheme": "SSWS"}, "t0k", "Authorization", "SSWS t0k"),
        ({"type": "header", "name": "X-Api-Key"}, "k3y", "X-Api-Key", "k3y"),
        (
            {"type": "basic"},
            "me:pw",
            "Authorization",
            "Basic " + base64.b64encode(b"me:pw").decode(),
        ),
        (
            {"type": "basic", "username": "me"},
            "pw",
            "Authorization",
            "Basic " + base64.b64encode(b"me:pw").decode(),
        ),
    ],
)
def test_static_auths(auth: dict[str, Any], secret: str, header: str, expected: str) -> None:
    session = FakeSession(answer(body=OK))
    source(session, secret=secret, auth=auth, **BASE).fetch(Q, None, 10)
    assert session.sent[0].headers[header] == expected


def test_anonymous_sends_no_credentials() -> None:
    session = FakeSession(answer(body=OK))
    source(session, secret=None, **BASE).fetch(Q, None, 10)
    assert "Authorization" not in session.sent[0].headers


def test_oauth_token_is_cached_and_renewed_before_it_expires() -> None:
    clock = Clock()
    session = FakeSession(*(answer(body=OK) for _ in range(4)))
    session.token_answers.extend([token("first", 600), token("second", 600)])
    src = source(session, secret="csecret", clock=clock, auth=OAUTH, **BASE)
    src.fetch(Q, None, 10)
    clock.now += 500  # within 600 - 60
    src.fetch(Q, None, 10)
    clock.now += 41  # 541 s: inside the renewal margin
    src.fetch(Q, None, 10)
    assert [r.headers["Authorization"] for r in session.sent[:3]] == [
        "Bearer first",
        "Bearer first",
        "Bearer second",
    ]
    assert len(session.posts) == 2
    post = session.posts[0]
    assert post["data"] == {"grant_type": "client_credentials", "scope": "audit.read"}
    assert post["headers"]["Authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()


def test_oauth_token_renewed_once_on_401() -> None:
    session = FakeSession(answer(401, {}), answer(body=OK), answer(401, {}), answer(401, {}))
    session.token_answers.extend([token("stale"), token("fresh"), token("third")])
    src = source(session, secret="csecret", clock=Clock(), auth=OAUTH, **BASE)
    assert len(src.fetch(Q, None, 10).items) == 1
    assert [r.headers["Authorization"] for r in session.sent] == ["Bearer stale", "Bearer fresh"]
    with pytest.raises(PermanentError, match="not authorised"):  # refused twice: the credentials
        src.fetch(Q, None, 10)
    assert len(session.posts) == 3


def test_oauth_client_secret_from_json_and_refusals() -> None:
    session = FakeSession(answer(body=OK))
    session.token_answers.append(token("t"))
    spec = {**OAUTH, "client_id": None, "client_auth": "body"}
    source(
        session, secret='{"client_id": "j", "client_secret": "s"}', clock=Clock(), auth=spec, **BASE
    ).fetch(Q, None, 10)
    assert (
        session.posts[0]["data"]["client_id"] == "j"
        and session.posts[0]["data"]["client_secret"] == "s"
    )
    refused = FakeSession()
    refused.token_answers.append(answer(400, {"error": "invalid_client"}))
    with pytest.raises(PermanentError, match="refused client cid"):
        source(refused, secret="bad", clock=Clock(), auth=OAUTH, **BASE).fetch(Q, None, 10)


class Signer(requests.auth.AuthBase):
    def __init__(self, secret: str, options: dict[str, Any]) -> None:
        self.secret, self.options = secret, options

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Signature"] = (
            f"{self.options['key_id']}:{len(self.secret)}:{request.method}"
        )
        return request


def test_an_auth_hook_from_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_auth, "hook", lambda name: Signer if name == "hmac" else None)
    session = FakeSession(answer(body=OK))
    source(
        session,
        secret="abc",
        auth={"type": "hook", "name": "hmac", "options": {"key_id": "k1"}},
        **BASE,
    ).fetch(Q, None, 10)
    assert session.sent[0].headers["X-Signature"] == "k1:3:GET"


def test_an_unknown_hook_names_the_entry_point_group() -> None:
    with pytest.raises(PermanentError, match=r"no entry point of group logpull\.auth"):
        _auth.hook("nope")
