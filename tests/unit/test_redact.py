"""Secrets are masked by value wherever they surface: log lines (the structlog chain),
errors kept in DynamoDB or attached to DLQ entries; a malformed token is refused
without being echoed; secrets are read again once old (rotation)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import redact
from shared.aws import _dynamo_codec as codec
from shared.config import AwsSettings, load_settings
from shared.errors import PermanentError
from shared.models import SourceFailure, SourceMeta, WindowKey, WindowRecord
from shared.timeutil import parse_instant
from worker.context import WorkerContext
from worker.secrets import SecretCache
from worker.sources.okta import OktaSystemLogSource, load_token
from worker.sources.serial import OneAtATime

CANARY = "CANARY-1b2c3d4e5f-never-shown"


@pytest.fixture(autouse=True)
def empty_registry() -> Iterator[None]:
    redact.forget_all()
    yield
    redact.forget_all()


def test_a_registered_secret_is_masked_however_it_is_quoted() -> None:
    secret = f"00{CANARY}\nsecond-half-of-it"
    redact.register(secret)
    header = "SSWS " + secret
    message = f"Invalid return character or leading space in header: Authorization: {header!r}"
    for text in (message, json.dumps({"error": message}), secret, header):
        assert CANARY not in redact.redact(text) and "second-half-of-it" not in redact.redact(text)
    assert redact.redact("nothing secret here") == "nothing secret here"


def test_the_secret_fields_of_a_json_secret_are_masked_alone_too() -> None:
    key = f"-----BEGIN PRIVATE KEY-----\nMIIE{CANARY}AAAA\n-----END PRIVATE KEY-----\n"
    redact.register(json.dumps({"type": "service_account", "private_key": key, "private_key_id": "k" + CANARY,
                                "client_secret": "s" + CANARY, "project_id": "p"}))
    for leaked in (key, json.dumps(key), "k" + CANARY, "s" + CANARY, f"MIIE{CANARY}AAAA"):
        assert CANARY not in redact.redact(f"error: {leaked}")
    assert redact.redact("project p") == "project p"  # short, ordinary values are left alone


def test_the_log_chain_masks_every_string_of_an_event() -> None:
    redact.register(CANARY)
    event = {"event": "task_finished", "reason": f"InvalidHeader: {CANARY!r}", "nested": {"list": [CANARY]},
             "exception": f"Traceback ...\nValueError: {CANARY}"}
    assert CANARY not in json.dumps(redact.redact_event(None, "info", event))


def test_errors_stored_in_dynamodb_are_masked() -> None:
    redact.register(CANARY)
    key = WindowKey("s", parse_instant("2026-11-01T00:00:00Z"), parse_instant("2026-11-01T01:00:00Z"))
    item = codec.encode_window(WindowRecord(key=key, error=f"boom {CANARY}"))
    meta = SourceMeta("s", key.start, key.start, failed=SourceFailure("http_401", f"no {CANARY}"))
    assert CANARY not in json.dumps(item) and CANARY not in json.dumps(codec.encode_failure(meta.failed))


@pytest.mark.parametrize("text", [f"00{CANARY}\nrest", f"00{CANARY}\x7f", f"SSWS  00{CANARY}", "   \n"])
def test_a_token_no_header_can_carry_is_bad_credentials_and_not_echoed(tmp_path: Path, text: str) -> None:
    settings = _okta_settings(tmp_path, text)
    with pytest.raises(PermanentError) as caught:
        load_token(settings.sources[0], None)
    assert caught.value.reason == "bad_credentials"
    assert CANARY not in str(caught.value) and "rest" not in str(caught.value)


def test_a_header_the_http_library_refuses_is_bad_credentials_and_not_echoed(tmp_path: Path) -> None:
    source = OktaSystemLogSource(_okta_settings(tmp_path, "x").sources[0], "00good")
    source._session.headers["Authorization"] = f"SSWS 00{CANARY}\nrest"  # noqa: SLF001 - past the loader's check
    from datetime import UTC, datetime

    from worker.sources.base import Query

    with pytest.raises(PermanentError) as caught:
        source.fetch(Query(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)), None, 5)
    assert caught.value.reason == "bad_credentials" and CANARY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # (a traceback shows no header)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_secret_is_read_again_once_it_is_max_age_old() -> None:
    clock, reads = Clock(), []
    values = iter(["first-secret-value", "rotated-secret-value"])

    def read(kind: str, name: str) -> str:
        reads.append((kind, name))
        return next(values)

    cache = SecretCache(AwsSettings(), max_age=900, clock=clock, read=read)
    assert cache.load("ssm", "k") == "first-secret-value"
    clock.now += 899
    assert cache.load("ssm", "k") == "first-secret-value" and len(reads) == 1
    clock.now += 1
    assert cache.load("ssm", "k") == "rotated-secret-value" and len(reads) == 2
    assert redact.redact("rotated-secret-value first-secret-value") == "[redacted] [redacted]"


def test_a_source_is_built_again_with_the_rotated_secret_once_it_is_max_age_old(tmp_path: Path) -> None:
    settings = _okta_settings(tmp_path, "00first-token", secrets_max_age="15m")
    clock = Clock()
    ctx = WorkerContext(settings=settings, store=None, queue=None, sink=None, clock=clock)  # type: ignore[arg-type]
    _, first = ctx.source("okta")
    assert _authorization(first) == "SSWS 00first-token"
    (tmp_path / "token").write_text("00rotated-token\n")
    clock.now += 15 * 60 - 1
    assert ctx.source("okta")[1] is first  # still young: the same client
    clock.now += 1
    _, second = ctx.source("okta")
    assert second is not first and _authorization(second) == "SSWS 00rotated-token"
    (tmp_path / "token").write_text("00third-token\n")
    ctx.forget_source("okta")  # e.g. the API refused it: built again at once, on every thread
    assert _authorization(ctx.source("okta")[1]) == "SSWS 00third-token"
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(ctx.source("okta")[1]))
    thread.start()
    thread.join()
    assert _authorization(other[0]) == "SSWS 00third-token"


def _authorization(source: Any) -> str:
    assert isinstance(source, OneAtATime)
    return str(source.inner._session.headers["Authorization"])  # noqa: SLF001 - what the client sends


def _okta_settings(tmp_path: Path, token: str, **worker: str) -> Any:
    (tmp_path / "token").write_text(token)
    extra = "".join(f'{k} = "{v}"\n' for k, v in worker.items())
    config = tmp_path / "c.toml"
    config.write_text(f'[worker]\n{extra}\n[[sources]]\nid = "okta"\nkind = "okta_system_log"\n'
                      f'domain = "example.okta.com"\napi_endpoint = "http://127.0.0.1:9"\n'
                      f'start = "2026-11-01T00:00:00Z"\ncredentials = "file:{tmp_path / "token"}"\n')
    return load_settings(config)
