"""Operator mistakes end fast with one clear line: config from the environment that is
not JSON, no config at all, a sink that cannot be written (found before any API call),
resources `logpull init` has not created, and a source that starts in the future."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Stack, config_text, write_config

pytestmark = pytest.mark.e2e


def logpull(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logpull.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def without_logpull_vars() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LOGPULL_")}


def rewrite(stack: Stack, old: str, new: str) -> Path:
    text = stack.config_path.read_text()
    assert old in text
    path = stack.config_path.with_name(f"edited-{uuid.uuid4().hex[:6]}.toml")
    path.write_text(text.replace(old, new))
    return path


def test_sources_variable_that_is_not_json_exits_2_naming_it() -> None:
    env = {**without_logpull_vars(), "LOGPULL_SOURCES": "[{id = 'gws'}]"}
    for command in (["status"], ["run", "--until-caught-up"]):
        result = logpull(*command, env=env)
        assert result.returncode == 2
        line = one_clear_line(result)
        assert "LOGPULL_SOURCES is not valid JSON" in line
        assert "id = 'gws'" not in line  # the value is not echoed


@pytest.mark.parametrize("command", [["init"], ["status"], ["orchestrate", "--once"], ["work", "--until-idle"],
                                     ["run", "--until-caught-up"], ["dlq", "list"]])
def test_no_config_at_all_exits_2_saying_how_to_give_one(command: list[str]) -> None:
    # an endpoint that refuses connections: were a default to reach AWS, it would fail with exit 1
    env = {**without_logpull_vars(), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    result = logpull(*command, env=env)
    assert result.returncode == 2, result.stderr
    line = one_clear_line(result)
    assert "no config" in line and "-c FILE" in line and "LOGPULL_CONFIG" in line and "LOGPULL_*" in line


def test_commands_without_config_still_run() -> None:
    env = without_logpull_vars()
    assert logpull("simulate", "--help", env=env).returncode == 0
    assert logpull("demo", "--help", env=env).returncode == 0


def test_lambda_style_settings_need_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Lambda handlers load LOGPULL_* variables without a file: still fine."""
    from shared.config import load_settings

    monkeypatch.setenv("LOGPULL_SOURCES", json.dumps([{"id": "gws", "start": "2026-11-01T00:00:00Z"}]))
    assert [s.id for s in load_settings(None, require_sources=True).sources] == ["gws"]


def _no_api_request(sim: Any) -> None:
    assert sim.stats()["requests"] == 0


def test_unwritable_file_sink_exits_2_before_any_api_call(
        make_stack: Callable[..., Stack], simulator: Callable[..., Any], tmp_path: Path) -> None:
    sim = simulator(events=200, seed=1)
    stack = make_stack(sim.url)
    blocker = tmp_path / "a-regular-file"
    blocker.write_text("not a directory")
    path = rewrite(stack, f'url = "file://{stack.sink_root}"', f'url = "file://{blocker}/out"')
    for command in (["init"], ["run", "--until-caught-up"], ["work", "--until-idle"]):
        result = logpull(*command, "-c", str(path))
        assert result.returncode == 2, result.stderr
        line = one_clear_line(result)
        assert f"sink file://{blocker}/out is not writable" in line
    _no_api_request(sim)
    assert blocker.read_text() == "not a directory"


def test_s3_sink_without_its_bucket_exits_2_before_any_api_call(
        make_stack: Callable[..., Stack], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=200, seed=1)
    stack = make_stack(sim.url, sink="s3")
    bucket = stack.settings.sink.url.removeprefix("s3://").split("/")[0]
    missing = f"{bucket}-missing"
    path = rewrite(stack, f"s3://{bucket}/", f"s3://{missing}/")
    path.write_text(path.read_text().replace("create_bucket = true", "create_bucket = false"))
    for command in (["init"], ["run", "--until-caught-up"], ["work", "--until-idle"]):
        result = logpull(*command, "-c", str(path))
        assert result.returncode == 2, result.stderr
        line = one_clear_line(result)
        assert f"bucket {missing} does not exist" in line
        assert "set create_bucket = true under [sink] and run `logpull init`" in line  # init alone would not
    _no_api_request(sim)


def _uninitialised_config(aws_endpoint: str, tmp_path: Path, api_url: str = "http://127.0.0.1:9") -> Path:
    name = f"t{uuid.uuid4().hex[:10]}"
    return write_config(tmp_path / f"{name}.toml",
                        config_text(aws_endpoint, api_url, f"file://{tmp_path / 'sink'}", name))


@pytest.mark.parametrize("command", [["run", "--until-caught-up"], ["work", "--until-idle"],
                                     ["orchestrate", "--once"], ["status"], ["dlq", "list"]])
def test_missing_resources_say_run_init_first(aws_endpoint: str, tmp_path: Path, command: list[str]) -> None:
    path = _uninitialised_config(aws_endpoint, tmp_path)
    result = logpull(*command, "-c", str(path))
    assert result.returncode == 1, result.stderr
    line = one_clear_line(result)
    assert "not exist" in line and "run `logpull init` first" in line
    assert re.search(r"SQS queue t\w+-tasks", line) and re.search(r"DynamoDB table t\w+-state", line)


def test_resources_deleted_under_a_command_name_init(make_stack: Callable[..., Stack]) -> None:
    """The adapters map QueueDoesNotExist / ResourceNotFoundException themselves too."""
    from shared.aws.clients import client
    from shared.errors import ResourceMissing

    stack = make_stack()
    client("dynamodb", stack.settings.aws).delete_table(TableName=stack.settings.aws.table_name)
    with pytest.raises(ResourceMissing, match="run `logpull init` first"):
        stack.store.get_meta("gws-login")
    sqs = client("sqs", stack.settings.aws)
    sqs.delete_queue(QueueUrl=stack.queue.url())
    from shared.aws.task_queue import SqsTaskQueue

    fresh = SqsTaskQueue(sqs, stack.settings.aws.queue_name, stack.settings.aws.dlq_name)
    with pytest.raises(ResourceMissing, match=f"queue {stack.settings.aws.queue_name} does not exist"):
        fresh.counts()


def test_source_that_starts_in_the_future(make_stack: Callable[..., Stack], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=200, seed=1)
    stack = make_stack(sim.url, source={"start": "2999-01-01T00:00:00Z"})
    result = logpull("run", "--until-caught-up", "--workers", "1", "-c", str(stack.config_path))
    assert result.returncode == 0, result.stderr
    assert ("logpull: warning: source gws-login: start 2999-01-01T00:00:00.000Z is in the future; "
            "nothing is due until 2999-01-01T01:01:00.000Z") in result.stderr
    assert "caught up: 0 windows" in result.stderr
    report = json.loads(logpull("status", "--json", "-c", str(stack.config_path)).stdout)
    source = report["sources"]["gws-login"]
    assert source["nothing_due_until"] == "2999-01-01T01:01:00.000Z" and source["lag_seconds"] == 0
    text = logpull("status", "-c", str(stack.config_path)).stdout
    assert "nothing due yet" in text and "complete until" not in text
    _no_api_request(sim)
