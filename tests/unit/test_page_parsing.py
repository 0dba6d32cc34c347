"""What a source makes of a 200 body, through its real HTTP client (google-api-python-client
or requests) against a canned local server: items kept as the bytes sent, only the fields
dedup needs parsed, and any malformed body a clear, retryable "malformed API page"."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.config import SourceSettings
from shared.errors import RetryableError
from worker.sources.base import Query, Source
from worker.sources.google_reports import GoogleReportsSource, load_credentials
from worker.sources.okta import OktaSystemLogSource

START = datetime(2026, 11, 1, tzinfo=UTC)
QUERY = Query(START, START + timedelta(hours=1))


class Canned:
    body = b"{}"


@pytest.fixture
def server() -> Iterator[tuple[str, type[Canned]]]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(Canned.body)))
            self.end_headers()
            self.wfile.write(Canned.body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Canned
    finally:
        httpd.shutdown()
        httpd.server_close()


def google(url: str) -> Source:
    settings = SourceSettings(id="g", start=START, api_endpoint=url)
    return GoogleReportsSource(settings, load_credentials(settings))


def okta(url: str) -> Source:
    return OktaSystemLogSource(SourceSettings(id="o", kind="okta_system_log", start=START, api_endpoint=url), None)


GOOD_GOOGLE = (b'{"kind": "admin#reports#activities",\n "items": [\n  {"id": {"time": "2026-11-01T00:00:01.000Z",'
               b' "uniqueQualifier": "-12", "applicationName": "login", "customerId": "C1"}, "n": 123456789012345678901234,'
               b' "events": [{"name": "login_success"}]},\n  {"id": {"time": "2026-11-01T00:00:00.5Z", "uniqueQualifier": 7}}\n ],'
               b' "nextPageToken": "tok"}')


@pytest.mark.parametrize("body", [GOOD_GOOGLE, GOOD_GOOGLE.replace(b"\n", b"")], ids=["lines", "one_line"])
def test_google_items_are_raw_bytes_and_heads(server: tuple[str, type[Canned]], body: bytes) -> None:
    url, canned = server
    canned.body = body
    source = google(url)
    page = source.fetch(QUERY, None, timeout=5)
    assert page.next_token == "tok"
    first, second = page.items
    assert first.raw.startswith(b'{"id": {"time"') and first.raw.endswith(b'"login_success"}]}')
    assert b"\n" not in first.raw  # the page's line breaks became spaces: one line, as sent otherwise
    assert b"123456789012345678901234" in first.raw
    assert first.identity == "login|C1|2026-11-01T00:00:01.000Z|-12"
    assert second.time == "2026-11-01T00:00:00.500Z"
    assert second.identity == "||2026-11-01T00:00:00.5Z|7"  # as str() of the dict path


def test_google_empty_page_ends_the_window(server: tuple[str, type[Canned]]) -> None:
    url, canned = server
    canned.body = b'{"kind": "admin#reports#activities"}'
    page = google(url).fetch(QUERY, None, timeout=5)
    assert page.items == [] and page.next_token is None


MALFORMED = [
    (google, b'{"items": [{"id": {"time": "2026-11-01T00:00:01.000Z"}}, 5]}'),  # an item that is not an object
    (google, b'{"items": 5}'),  # items that are not a list
    (google, b'[{"id": {}}]'),  # not an object at all
    (google, b'{"items": [{"id": {}}], "nextPageToken": 5}'),  # a token that is not a string
    (google, b'{"items": [{"id": {"time": "yesterday"}}]}'),  # an item without a usable time
    (google, b'{"items": [{"id": {"time": 5}}]}'),  # a time that is not a string
    (google, b'{"items": [{"id": {"time": "2026-11-01T00:00:01.000Z"}}, {"x": 1}]}'),  # an item without an id
    (google, b'{"items": [{}]}'),  # an empty item
    (google, b'{"items": [{"id": {}}'),  # truncated
    (google, b"<html>oops</html>"),  # not JSON
    (google, b'{"items": [{"id": {"time": "2026-11-01T00:00:01.000Z"}, "x": "\xff"}]}'),  # not UTF-8
    (okta, b'[{"uuid": "a", "published": "2026-11-01T00:00:02.000Z"}, "x"]'),
    (okta, b'[{"uuid": "a"}]'),
    (okta, b'[{"uuid": "a", "published": 5}]'),
    (okta, b'[{}]'),
    (okta, b'{"uuid": "a"}'),
    (okta, b'[{"uuid": "a"}'),
    (okta, b"<html/>"),
    (okta, b'[{"uuid": "a", "published": "2026-11-01T00:00:02.000Z", "x": "\xc3"}]'),
]


@pytest.mark.parametrize(("make", "body"), MALFORMED)
def test_malformed_pages_are_retryable(server: tuple[str, type[Canned]], make: Callable[[str], Source],
                                       body: bytes) -> None:
    url, canned = server
    canned.body = body
    with pytest.raises(RetryableError, match="malformed API (page|item)"):
        make(url).fetch(QUERY, None, timeout=5)


def test_okta_items_are_raw_bytes_and_heads(server: tuple[str, type[Canned]]) -> None:
    url, canned = server
    canned.body = b'[{"uuid": "u1", "published": "2026-11-01T00:00:02.000Z", "actor": {"id": "x"}}]'
    source = okta(url)
    (event,) = source.fetch(QUERY, None, timeout=5).items
    assert event.raw == canned.body[1:-1]
    assert event.identity == "u1" and event.time == "2026-11-01T00:00:02.000Z"
