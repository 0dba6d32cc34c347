"""``logpull check``: one line per check, exit 0 only if all hold; it reads nothing into
the sink, records no window and enqueues nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Api, Stack

pytestmark = pytest.mark.e2e


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logpull.cli", "check", "-c", str(path)], capture_output=True,
                          text=True, timeout=120, check=False)


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]


def edited(stack: Stack, old: str, new: str) -> Path:
    text = stack.config_path.read_text()
    assert old in text
    path = stack.config_path.with_name("edited.toml")
    path.write_text(text.replace(old, new))
    return path


def test_good_config_passes_every_check_and_changes_nothing(api: Api, make_stack: Callable[..., Stack]) -> None:
    sim = api.start(events=500, seed=5)
    stack = make_stack(sim.url, source=api.source())
    result = check(stack.config_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = lines(result)
    assert all(line.startswith("ok ") for line in out), out
    for what in ("config", f"SQS queue {stack.settings.aws.queue_name}", f"SQS DLQ {stack.settings.aws.dlq_name}",
                 f"DynamoDB table {stack.settings.aws.table_name}", f"sink {stack.settings.sink.url}",
                 f"source gws-login ({api.kind})"):
        assert any(line.startswith(f"ok   {what}") for line in out), (what, out)
    assert sim.stats()["requests"] == 1  # one small authenticated request
    assert list(stack.store.list_windows("gws-login")) == []
    assert stack.store.get_meta("gws-login") is None
    counts = stack.queue.counts()
    assert (counts.visible, counts.in_flight, counts.delayed, counts.dlq) == (0, 0, 0, 0)
    assert not stack.sink_root.exists() or not any(stack.sink_root.rglob("*"))


def test_unwritable_sink_fails(make_stack: Callable[..., Stack], simulator: Callable[..., Any],
                               tmp_path: Path) -> None:
    sim = simulator(events=100, seed=1)
    stack = make_stack(sim.url)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = check(edited(stack, f'url = "file://{stack.sink_root}"', f'url = "file://{blocker}/out"'))
    assert result.returncode == 1
    failed = [line for line in lines(result) if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(f"FAIL sink file://{blocker}/out is not writable"), failed


def test_missing_table_fails_naming_init(make_stack: Callable[..., Stack], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=100, seed=1)
    stack = make_stack(sim.url)
    table = stack.settings.aws.table_name
    result = check(edited(stack, f'table_name = "{table}"', f'table_name = "{table}-missing"'))
    assert result.returncode == 1
    failed = [line for line in lines(result) if line.startswith("FAIL")]
    assert failed == [f"FAIL DynamoDB table {table}-missing: does not exist — run `logpull init`"]


def test_refused_okta_token_fails_naming_the_source_never_the_token(
        make_stack: Callable[..., Stack], tmp_path: Path) -> None:
    from logpull.simulator import OktaSimulator, OktaSimulatorSettings

    sim = OktaSimulator(OktaSimulatorSettings(token="00right-token", events=100, seed=1))
    sim.start()
    try:
        wrong = tmp_path / "wrong-token"
        wrong.write_text("00wrong-secret-token\n")
        stack = make_stack(sim.url, source={"kind": "okta_system_log", "credentials": f"file:{wrong}"})
        result = check(stack.config_path)
    finally:
        sim.stop()
    assert result.returncode == 1
    failed = [line for line in lines(result) if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith("FAIL source gws-login (okta_system_log): not authorised: HTTP 401")
    assert "wrong-secret-token" not in result.stdout + result.stderr


def test_invalid_config_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[aws]\nqueue = "x"\n[[sources]]\nid = "gws"\nstart = "2026-11-01T00:00:00Z"\n')
    result = check(path)
    assert result.returncode == 2
    assert lines(result) == [line for line in lines(result) if line.startswith("FAIL config: ")]
    assert "aws.queue: unknown key" in result.stdout
