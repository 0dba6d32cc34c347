"""A source request takes no longer than the time it is given: an API that accepts the
connection and never answers ends the request then (the Google client used to wait its
own 60 s whatever the caller asked, so `logpull check` sat a minute on a silent API)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.config import SourceSettings
from shared.errors import RetryableError
from worker.sources.base import Query
from worker.sources.google_reports import GoogleReportsSource, load_credentials

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def silent_api() -> Iterator[str]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # the kernel accepts connections; nobody ever answers
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_google_request_ends_within_its_timeout(silent_api: str) -> None:
    settings = SourceSettings(id="g", start=START, api_endpoint=silent_api)
    source = GoogleReportsSource(settings, load_credentials(settings))
    query = Query(START, START + timedelta(minutes=1))
    for _ in range(2):  # a new connection, then one the client keeps
        began = time.monotonic()
        with pytest.raises(RetryableError):
            source.fetch(query, None, timeout=1.0)
        assert time.monotonic() - began < 10  # (60 s without the fix)
