"""More operator mistakes, each ending fast with one clear line, the right exit code and
the canary secret nowhere: credentials files that parse as JSON but are no service
account, tokens with trailing spaces, a source list of the wrong shape in the
environment, `logpull check` against an API that never answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.aws.clients import client
from logpull.simulator import OktaSimulator

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)
CANARY = "CANARY5a4b3c2d1e0f9e8d"
GOOD_TOKEN = "00good-token-for-the-simulator"


def logpull(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logpull.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env={**os.environ, **(env or {})})


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return [line for line in result.stderr.splitlines() if line.startswith("logpull: error:")]


@pytest.fixture
def okta(okta_simulator: Callable[..., OktaSimulator]) -> OktaSimulator:
    return okta_simulator(token=GOOD_TOKEN, events=200, seed=5, start=START, end=START + timedelta(hours=3))


GOOGLE_FILES = {
    # JSON that parses, but is not a service-account object
    "json_string": json.dumps(f"{CANARY}-a-key-pasted-as-a-string"),
    "json_list": json.dumps([{"type": "service_account", "private_key": CANARY}]),
    "json_null": "null",
    "authorized_user": json.dumps({"type": "authorized_user", "client_id": "x.apps.googleusercontent.com",
                                   "client_secret": CANARY, "refresh_token": f"1//{CANARY}"}),
}


@pytest.mark.parametrize("case", sorted(GOOGLE_FILES))
def test_google_credentials_that_are_json_but_no_service_account(
        case: str, tmp_path: Path, make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    credentials = tmp_path / "sa.json"
    credentials.write_text(GOOGLE_FILES[case])
    sim = simulator(events=100, seed=3, start=START, end=START + timedelta(hours=3))
    stack = make_stack(sim.url, source={"credentials": f"file:{credentials}", "end": "2026-11-01T03:00:00Z",
                                        "subject": "admin@example.com"}, max_receive_count=3)
    config = str(stack.config_path)
    began = time.monotonic()
    run = logpull("run", "--until-caught-up", "--workers", "1", "-c", config, timeout=60)
    assert run.returncode not in (0, 2), run.stderr[-3000:]
    assert time.monotonic() - began < 45
    (line,) = errors(run)
    assert "source gws-login" in line and "credentials" in line
    status = logpull("status", "--json", "-c", config)
    report = json.loads(status.stdout)["sources"]["gws-login"]
    assert report["source_failed"]["reason"] == "bad_credentials", report
    dlq = logpull("dlq", "list", "--json", "-c", config)
    assert len(dlq.stdout.splitlines()) <= 1
    table = client("dynamodb", stack.settings.aws).scan(TableName=stack.settings.aws.table_name)["Items"]
    for shown in (run.stderr, run.stdout, status.stdout, dlq.stdout, json.dumps(table)):
        assert CANARY not in shown
    checked = logpull("check", "-c", config)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "FAIL source gws-login" in checked.stdout and CANARY not in checked.stdout + checked.stderr


def test_okta_token_with_trailing_spaces_works(tmp_path: Path, make_stack: Callable[..., Any],
                                               okta: OktaSimulator) -> None:
    token = tmp_path / "token"
    token.write_text(f"  {GOOD_TOKEN}   \t\n\n")
    stack = make_stack(okta.url, source={"kind": "okta_system_log", "credentials": f"file:{token}",
                                         "end": "2026-11-01T03:00:00Z", "page_size": 50})
    assert logpull("check", "-c", str(stack.config_path)).returncode == 0
    run = logpull("run", "--until-caught-up", "--workers", "1", "-c", str(stack.config_path))
    assert run.returncode == 0, run.stderr[-3000:]
    assert len({item["uuid"] for item in stack.committed()}) == 200


def test_refused_okta_token_with_trailing_spaces_is_never_shown(tmp_path: Path, make_stack: Callable[..., Any],
                                                                okta: OktaSimulator) -> None:
    token = tmp_path / "token"
    token.write_text(f"00{CANARY}   \n")
    stack = make_stack(okta.url, source={"kind": "okta_system_log", "credentials": f"file:{token}",
                                         "end": "2026-11-01T03:00:00Z"}, max_receive_count=3)
    run = logpull("run", "--until-caught-up", "--workers", "1", "-c", str(stack.config_path), timeout=60)
    assert run.returncode not in (0, 2)
    assert len(errors(run)) == 1
    checked = logpull("check", "-c", str(stack.config_path))
    status = logpull("status", "-c", str(stack.config_path))
    for shown in (run.stderr, run.stdout, checked.stdout, checked.stderr, status.stdout):
        assert CANARY not in shown


@pytest.mark.parametrize("value", ['[{"id": 1}]', '[{"id": "x"}]', '{"id": "x"}', "[]", '["gws"]', "null"])
def test_sources_variable_of_the_wrong_shape_exits_2(value: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGPULL_")}
    env.update(LOGPULL_SOURCES=value, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    for command in (["status"], ["run", "--until-caught-up"], ["check"]):
        result = subprocess.run([sys.executable, "-m", "logpull.cli", *command], capture_output=True, text=True,
                                timeout=60, check=False, env=env)
        assert result.returncode == 2, (command, result.returncode, result.stderr[-2000:])
        assert "Traceback" not in result.stderr
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        assert any("LOGPULL_SOURCES" in line or "sources" in line for line in lines), lines


@pytest.mark.parametrize("kind", ["google_reports", "okta_system_log"])
def test_check_against_an_api_that_never_answers_ends(kind: str, tmp_path: Path, make_stack: Callable[..., Any],
                                                     silent_endpoint: str) -> None:
    token = tmp_path / "token"
    token.write_text(GOOD_TOKEN)
    source: dict[str, Any] = {"kind": kind}
    if kind == "okta_system_log":
        source["credentials"] = f"file:{token}"
    stack = make_stack(silent_endpoint, source=source)
    began = time.monotonic()
    result = logpull("check", "-c", str(stack.config_path), timeout=90)
    assert time.monotonic() - began < 30  # check waits 15 s for an answer (it waited 60 s for Google)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (failed,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failed.startswith(f"FAIL source gws-login ({kind})"), failed
