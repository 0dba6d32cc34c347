"""The start-up reachability check tries each distinct API endpoint once: the five
applications of one block share theirs (and "all" would be 42 connections)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from shared.config import Settings
from shared.preflight import check_sources


@pytest.fixture
def counting_endpoint() -> Iterator[tuple[str, list[int]]]:
    """An http:// address that answers every connection with one byte, counting them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = [0]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted[0] += 1
            with conn:
                conn.recv(1024)
                conn.sendall(b"H")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()


def test_each_endpoint_is_tried_once(counting_endpoint: tuple[str, list[int]]) -> None:
    url, accepted = counting_endpoint
    block = {"id": "gws", "start": "2026-11-01T00:00:00Z", "api_endpoint": url,
             "applications": ["login", "admin", "drive", "token", "saml"]}
    check_sources(Settings(sources=[block, {"id": "other", "start": "2026-11-01T00:00:00Z", "api_endpoint": url}]))
    assert accepted == [1]


def test_an_okta_source_is_checked_at_its_own_domain() -> None:
    """Not at Google's address: an Okta source that gives only ``domain`` reaches
    ``https://<domain>``; a Google source without api_endpoint reaches Google."""
    from shared.preflight import GOOGLE_API, api_address

    settings = Settings(sources=[
        {"id": "okta", "kind": "okta_system_log", "domain": "example.okta.com", "start": "2026-11-01T00:00:00Z"},
        {"id": "gws", "start": "2026-11-01T00:00:00Z"},
    ])
    assert [api_address(s) for s in settings.sources] == ["https://example.okta.com", GOOGLE_API]
