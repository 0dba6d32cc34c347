"""Sources read at start from an SSM parameter or an S3 object (``sources_from`` /
``LOGPULL_SOURCES_FROM``), against the moto server: what a stack whose ``SourcesJson``
would pass CloudFormation's 4 KB limit uses."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.aws.clients import client
from shared.config import AwsSettings, load_settings
from shared.errors import ConfigError

SOURCES = [{"id": f"gws-{app}", "application": app, "start": "2026-01-01T00:00:00Z",
            "credentials": "secretsmanager:logpull/google-sa", "subject": "admin@example.com"}
           for app in ("login", "admin", "drive", "token")] + [
    {"id": "okta", "kind": "okta_system_log", "domain": "example.okta.com", "start": "2026-01-01T00:00:00Z",
     "credentials": "secretsmanager:logpull/okta"}]


@pytest.fixture
def env(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsSettings]:
    for key in list(os.environ):
        if key.startswith("LOGPULL_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("LOGPULL_AWS__ENDPOINT_URL", aws_endpoint)
    monkeypatch.setenv("LOGPULL_SOURCES", "[]")  # as the template passes it
    yield AwsSettings(endpoint_url=aws_endpoint)


def put_parameter(aws: AwsSettings, value: str) -> str:
    name = f"/logpull/{uuid.uuid4().hex[:8]}/sources"
    client("ssm", aws).put_parameter(Name=name, Value=value, Type="SecureString")
    return name


def put_object(aws: AwsSettings, value: str) -> str:
    bucket = f"cfg-{uuid.uuid4().hex[:10]}"
    s3 = client("s3", aws)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="logpull/sources.json", Body=value.encode())
    return f"s3://{bucket}/logpull/sources.json"


def test_sources_from_an_ssm_parameter(env: AwsSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", "ssm:" + put_parameter(env, json.dumps(SOURCES)))
    settings = load_settings(None, require_sources=True)
    assert [s.id for s in settings.sources] == [s["id"] for s in SOURCES]
    assert settings.source("okta").domain == "example.okta.com"


def test_sources_from_an_s3_object_past_4_kb(env: AwsSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    many = [{**SOURCES[0], "id": f"gws-login-{i}"} for i in range(40)]
    text = json.dumps(many)
    assert len(text) > 4096
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", put_object(env, text))
    settings = load_settings(None, require_sources=True)
    assert len(settings.sources) == 40


def test_sources_from_in_a_toml_file(env: AwsSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = put_object(env, json.dumps(SOURCES[:1]))
    path = tmp_path / "c.toml"
    path.write_text(f'sources_from = "{uri}"\n[aws]\nendpoint_url = "{env.endpoint_url}"\n')
    monkeypatch.delenv("LOGPULL_SOURCES")
    assert [s.id for s in load_settings(path).sources] == ["gws-login"]


@pytest.mark.parametrize("where", ["ssm", "s3"])
def test_unparsable_content_names_its_origin_not_its_content(
    env: AwsSettings, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    bad = '[{"id": "x", "credentials": "s3cr3t-value-here"'
    origin = "ssm:" + put_parameter(env, bad) if where == "ssm" else put_object(env, bad)
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", origin)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    message = str(caught.value)
    assert origin in message and "not valid JSON" in message
    assert "s3cr3t" not in message and "\n" not in message
    assert caught.value.exit_code == 2


def test_invalid_source_names_the_origin_and_field(env: AwsSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = "ssm:" + put_parameter(env, json.dumps([{**SOURCES[0], "window": "soon"}]))
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", origin)
    with pytest.raises(ConfigError, match=r"sources from ssm:/logpull/.*sources\[0\]\.window"):
        load_settings(None)


@pytest.mark.parametrize("origin", ["ssm:/logpull/none-such", "s3://cfg-none-such-bucket/sources.json"])
def test_a_missing_parameter_or_object_is_named(env: AwsSettings, monkeypatch: pytest.MonkeyPatch,
                                               origin: str) -> None:
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", origin)
    with pytest.raises(ConfigError, match=f"sources_from {origin}: cannot read it"):
        load_settings(None)


def test_missing_key_in_an_existing_bucket(env: AwsSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = put_object(env, "[]").replace("sources.json", "other.json")
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", uri)
    with pytest.raises(ConfigError, match=r"cannot read it \(NoSuchKey\)"):
        load_settings(None)


def test_sources_in_two_places_is_an_error(env: AwsSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGPULL_SOURCES", json.dumps(SOURCES[:1]))
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", "ssm:" + put_parameter(env, json.dumps(SOURCES)))
    with pytest.raises(ConfigError, match="given twice"):
        load_settings(None)


@pytest.mark.parametrize("value", ["ssm:", "s3://bucket-only", "https://example.com/x", "s3:///key"])
def test_a_malformed_origin_is_refused(env: AwsSettings, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LOGPULL_SOURCES_FROM", value)
    with pytest.raises(ConfigError, match="sources_from"):
        load_settings(None)
