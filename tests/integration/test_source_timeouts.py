"""A source request takes no longer than the time it is given: an API that accepts the
connection and never answers ends the request then (the Google client used to wait its
own 60 s whatever the caller asked, so `logpull check` sat a minute on a silent API)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from shared.config import SourceSettings
from shared.errors import RetryableError
from worker.sources.base import Query
from worker.sources.google_reports import GoogleReportsSource, load_credentials

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_google_request_ends_within_its_timeout(silent_endpoint: str) -> None:
    settings = SourceSettings(id="g", start=START, api_endpoint=silent_endpoint)
    source = GoogleReportsSource(settings, load_credentials(settings))
    query = Query(START, START + timedelta(minutes=1))
    for _ in range(2):  # a new connection, then one the client keeps
        began = time.monotonic()
        with pytest.raises(RetryableError):
            source.fetch(query, None, timeout=1.0)
        assert time.monotonic() - began < 10  # (60 s without the fix)
