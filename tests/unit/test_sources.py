"""Source classification and registry (no network)."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path

import pytest
import requests

from shared.config import load_settings
from shared.errors import ConfigError, PermanentError, RateLimited, RetryableError, TokenRejected
from worker.sources.okta import classify
from worker.sources.registry import factory_for


def response(status: int, body: bytes, **headers: str) -> requests.Response:
    made = requests.Response()
    made.status_code, made._content = status, body  # noqa: SLF001 - building a fixture
    made.headers.update(headers)
    return made


def test_okta_429_waits_until_reset_by_the_servers_clock() -> None:
    server_now = 1_800_000_000
    error = classify(response(429, b'{"errorCode":"E0000047"}', **{"X-Rate-Limit-Reset": str(server_now + 7),
                                                                  "Date": formatdate(server_now, usegmt=True)}),
                     had_cursor=False, now=server_now - 3600)  # a local clock an hour behind
    assert isinstance(error, RateLimited) and error.delay == pytest.approx(7.1)


@pytest.mark.parametrize(
    ("status", "body", "had_cursor", "expected"),
    [
        (500, b'{"errorCode":"E0000009","errorSummary":"Internal Server Error"}', False, RetryableError),
        (503, b"", False, RetryableError),
        (400, b'{"errorCode":"E0000001","errorSummary":"Api validation failed: after"}', True, TokenRejected),
        (400, b'{"errorCode":"E0000001","errorSummary":"Api validation failed: since"}', False, PermanentError),
        (401, b'{"errorCode":"E0000011","errorSummary":"Invalid token provided"}', False, PermanentError),
        (403, b"", False, PermanentError),
    ],
)
def test_okta_errors_are_classified(status: int, body: bytes, had_cursor: bool, expected: type) -> None:
    assert type(classify(response(status, body), had_cursor, 0.0)) is expected


def test_sources_are_found_by_kind() -> None:
    assert factory_for("google_reports").__module__ == "worker.sources.google_reports"
    assert factory_for("okta_system_log").__module__ == "worker.sources.okta"
    with pytest.raises(PermanentError):
        factory_for("nope")


def test_unknown_kind_and_missing_okta_domain_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[sources]]\nid = "x"\nstart = "2026-11-01T00:00:00Z"\nkind = "splunk"\n')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.kind: unknown source kind 'splunk'"):
        load_settings(path)
    path.write_text('[[sources]]\nid = "x"\nstart = "2026-11-01T00:00:00Z"\nkind = "okta_system_log"\n')
    with pytest.raises(ConfigError, match="needs domain"):
        load_settings(path)
