"""Okta OAuth 2.0 service apps (client credentials, ``private_key_jwt``, scope
``okta.logs.read``): the simulator's token endpoint checks the client assertion as Okta
does, and the Okta source obtains, caches, renews and replaces access tokens."""

# ruff: noqa: PLR2004 - status codes and counts read best as literals in tests

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from google.auth import crypt, jwt
from okta_oauth_helpers import CLIENT_ID, key_lines, key_pair, write_secret
from simulator_helpers import FakeClock
from test_okta_helpers import LOGS, MakeOkta, okta_sims

from shared import redact
from shared.config import SourceSettings
from shared.errors import PermanentError
from logpull.simulator import OktaSimulator
from worker.sources.base import Query
from worker.sources.okta import OktaSystemLogSource, load_token
from worker.sources.okta_oauth import ServiceApp

TOKEN_PATH = "/oauth2/v1/token"
WINDOW = Query(datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC))


@pytest.fixture
def make_okta() -> Iterator[MakeOkta]:
    yield from okta_sims()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(make_okta: MakeOkta, clock: FakeClock) -> OktaSimulator:
    return make_okta(clock=clock, oauth_clients={CLIENT_ID: key_pair()[1]}, access_token_ttl=600)


def assertion(url: str, *, client_id: str = CLIENT_ID, key: str | None = None, lifetime: int = 300,
              jti: str | None = None, alg_key_id: str | None = None) -> str:
    signer = crypt.RSASigner.from_string(key or key_pair()[0], alg_key_id)
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": url, "iat": now, "exp": now + lifetime,
              "jti": jti or uuid.uuid4().hex}
    return jwt.encode(signer, claims).decode()


def token_request(sim: OktaSimulator, signed: str, scope: str = "okta.logs.read") -> requests.Response:
    return requests.post(sim.url + TOKEN_PATH, timeout=10, data={
        "grant_type": "client_credentials", "scope": scope, "client_assertion": signed,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})


def logs(sim: OktaSimulator, access_token: str) -> requests.Response:
    return requests.get(sim.url + LOGS, headers={"Authorization": f"Bearer {access_token}"}, timeout=10,
                        params={"since": "2026-11-01T00:00:00Z", "until": "2026-11-01T01:00:00Z"})


# -- the simulator's token endpoint ------------------------------------------------------------


def test_a_signed_assertion_gets_an_access_token_the_logs_accept(sim: OktaSimulator, clock: FakeClock) -> None:
    response = token_request(sim, assertion(sim.url + TOKEN_PATH))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and body["scope"] == "okta.logs.read"
    assert logs(sim, body["access_token"]).status_code == 200
    clock.advance(601)
    assert logs(sim, body["access_token"]).status_code == 401  # expired
    assert logs(sim, "made-up-token").status_code == 401


@pytest.mark.parametrize("case", ["other_key", "unknown_client", "wrong_audience", "too_long", "replayed",
                                  "not_a_jwt"])
def test_the_token_endpoint_refuses_a_bad_assertion(sim: OktaSimulator, case: str) -> None:
    url = sim.url + TOKEN_PATH
    signed = {
        "other_key": lambda: assertion(url, key=key_pair("other")[0]),
        "unknown_client": lambda: assertion(url, client_id="0oa-someone-else"),
        "wrong_audience": lambda: assertion("https://example.okta.com" + TOKEN_PATH),
        "too_long": lambda: assertion(url, lifetime=3601),
        "replayed": lambda: assertion(url, jti="same-jti"),
        "not_a_jwt": lambda: "not.a.jwt",
    }[case]()
    if case == "replayed":
        assert token_request(sim, signed).status_code == 200
    response = token_request(sim, signed)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_the_token_endpoint_wants_the_logs_scope(sim: OktaSimulator) -> None:
    response = token_request(sim, assertion(sim.url + TOKEN_PATH), scope="okta.users.read")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


# -- the source ------------------------------------------------------------------------------------


def source_settings(sim: OktaSimulator, secret: Path, page_size: int = 20) -> SourceSettings:
    return SourceSettings(id="okta", kind="okta_system_log", api_endpoint=sim.url, start=WINDOW.start,
                          credentials=f"file:{secret}", page_size=page_size)


def read_window(source: OktaSystemLogSource) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = source.fetch(WINDOW, cursor, 30.0)
        items += page.items
        if page.next_token is None:
            return items
        cursor = page.next_token


def uuids_in_window(sim: OktaSimulator) -> list[str]:
    def published(event: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(event["published"].replace("Z", "+00:00"))

    return sorted(e["uuid"] for e in sim.visible_truth() if WINDOW.start <= published(e) < WINDOW.end)


def read_uuids(source: OktaSystemLogSource) -> list[str]:
    seen = [source.identity(orjson.loads(event.raw)) for event in read_window(source)]
    return sorted({uuid for uuid in seen if uuid})


def test_a_service_app_secret_reads_the_window_with_one_token_request(
    sim: OktaSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    secret = write_secret(tmp_path / "okta.json")
    settings = source_settings(sim, secret)
    app = load_token(settings, None)
    assert isinstance(app, ServiceApp) and app.key_id == "kid-1"
    assert CLIENT_ID in repr(app) and "PRIVATE" not in repr(app)
    source = OktaSystemLogSource(settings, app, clock=clock)
    got = read_uuids(source)
    want = uuids_in_window(sim)
    assert len(want) > 60 and set(want) <= set(got)  # many pages (20 a page), edges padded by a second
    assert sim.stats()["pages"] > 3
    assert sim.token_requests() == 1


def test_the_token_is_renewed_before_it_expires(make_okta: MakeOkta, clock: FakeClock, tmp_path: Path) -> None:
    sim = make_okta(clock=clock, oauth_clients={CLIENT_ID: key_pair()[1]}, access_token_ttl=100)
    settings = source_settings(sim, write_secret(tmp_path / "okta.json"), page_size=10)
    source = OktaSystemLogSource(settings, load_token(settings, None), clock=clock)
    first = source.fetch(WINDOW, None, 30.0)
    clock.advance(45)  # still good: the same token
    page = source.fetch(WINDOW, first.next_token, 30.0)
    assert sim.token_requests() == 1
    clock.advance(10)  # within the renewal margin (half of a 100 s lifetime): a new one first
    source.fetch(WINDOW, page.next_token, 30.0)
    assert sim.token_requests() == 2
    assert sim.stats()["requests"] == 3  # no request was refused on the way


def test_a_refused_access_token_is_replaced_once(sim: OktaSimulator, clock: FakeClock, tmp_path: Path) -> None:
    settings = source_settings(sim, write_secret(tmp_path / "okta.json"))
    source = OktaSystemLogSource(settings, load_token(settings, None), clock=clock)
    first = source.fetch(WINDOW, None, 30.0)
    sim.expire_access_tokens()  # revoked: the next page request gets a 401
    page = source.fetch(WINDOW, first.next_token, 30.0)
    assert page.items and sim.token_requests() == 2


def test_a_refused_client_is_a_bad_credentials_error_that_shows_no_key(
    make_okta: MakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    sim = make_okta(clock=clock, oauth_clients={CLIENT_ID: key_pair("other")[1]})  # registered another key
    settings = source_settings(sim, write_secret(tmp_path / "okta.json"))
    source = OktaSystemLogSource(settings, load_token(settings, None), clock=clock)
    with pytest.raises(PermanentError) as caught:
        source.fetch(WINDOW, None, 30.0)
    assert caught.value.reason == "bad_credentials"
    message = str(caught.value)
    assert "invalid_client" in message and CLIENT_ID in message and str(tmp_path) in message
    assert not any(line in message for line in key_lines())


def test_the_private_key_is_registered_for_redaction(sim: OktaSimulator, tmp_path: Path) -> None:
    redact.forget_all()
    settings = source_settings(sim, write_secret(tmp_path / "okta.json"))
    load_token(settings, None)
    private = key_pair()[0]
    shown = redact.redact(f"oops: {private!r} and {private}")
    assert not any(line in shown for line in key_lines())


@pytest.mark.parametrize("secret", [
    {"client_id": CLIENT_ID},
    {"client_id": CLIENT_ID, "private_key": "not a key"},
    {"client_id": "", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
    {"client_id": CLIENT_ID, "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
])
def test_an_unusable_service_app_secret_is_bad_credentials(
    sim: OktaSimulator, tmp_path: Path, secret: dict[str, str]
) -> None:
    path = tmp_path / "okta.json"
    path.write_text(json.dumps(secret))
    settings = source_settings(sim, path)
    with pytest.raises(PermanentError, match=f"credentials file:{path}") as caught:
        OktaSystemLogSource(settings, load_token(settings, None))
    assert caught.value.reason == "bad_credentials"
    assert "AAAA" not in str(caught.value)


def test_an_api_token_still_works(sim: OktaSimulator, tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("test-token\n")
    settings = source_settings(sim, path)
    page = OktaSystemLogSource(settings, load_token(settings, None)).fetch(WINDOW, None, 30.0)
    assert page.items and sim.token_requests() == 0

