"""The Okta System Log as a spec (``examples/okta-as-http.toml``) and the ``okta_system_log``
module reading one org can share one budget: a ``quota_key`` without
``requests_per_minute`` is accepted for any source whose API reports its own budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import load_settings
from shared.errors import ConfigError
from worker.budget import budget_key

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "okta-as-http.toml"
HEAD = """
[aws]
queue_name = "q"
dlq_name = "d"
table_name = "t"

[sink]
url = "file:///tmp/logpull-test-sink"
"""
MODULE = """
[[sources]]
id = "okta-module"
kind = "okta_system_log"
domain = "acme.okta.com"
start = "2026-11-01T00:00:00Z"
quota_key = "okta:acme"
"""


def spec_block(**keys: str) -> str:
    text = EXAMPLE.read_text()
    tables = text.index("\n[sources.")
    extra = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    return text[:tables] + "\n" + extra + text[tables:]


def test_the_example_block_loads_and_reads_the_api_budget(tmp_path: Path) -> None:
    path = tmp_path / "logpull.toml"
    path.write_text(HEAD + spec_block())
    (okta,) = load_settings(path).sources
    assert okta.kind == "http" and okta.reads_api_budget
    assert budget_key(okta) == "api:https://example.okta.com"


def test_one_org_through_both_kinds_shares_a_quota_key(tmp_path: Path) -> None:
    path = tmp_path / "logpull.toml"
    path.write_text(HEAD + MODULE + spec_block(quota_key="okta:acme"))
    module, spec = load_settings(path).sources
    assert module.requests_per_minute is None and spec.requests_per_minute is None
    assert budget_key(module) == budget_key(spec) == "okta:acme"


def test_a_quota_key_still_needs_a_budget_where_the_api_reports_none(tmp_path: Path) -> None:
    path = tmp_path / "logpull.toml"
    google = '[[sources]]\nid = "g"\nstart = "2026-11-01T00:00:00Z"\nquota_key = "p"\n'
    path.write_text(HEAD + google)
    with pytest.raises(ConfigError, match="quota_key needs requests_per_minute"):
        load_settings(path)
