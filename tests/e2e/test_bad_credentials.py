"""Credentials that cannot be loaded or that the API refuses fail the source once:
`run --until-caught-up` ends non-zero within seconds naming the source and the fix,
the DLQ is not flooded window by window, `status` shows the source failed, and a
canary inside the secret appears nowhere (logs, DynamoDB, DLQ, status, dlq list)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests_e2e_helpers import run_cli

from logpull.simulator import OktaSimulator
from shared.aws.clients import client

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)
CANARY = "CANARY9d8e7f6a5b4c3d2e1f"
GOOD_TOKEN = "00good-token-for-the-simulator"


@pytest.fixture
def okta(okta_simulator: Callable[..., OktaSimulator]) -> OktaSimulator:
    return okta_simulator(token=GOOD_TOKEN, events=300, seed=3, start=START, end=START + timedelta(hours=6))


CASES = {
    # (source kind, what the credentials file holds; None: there is no file)
    "missing_file": ("google_reports", None),
    "unparsable_json": ("google_reports", '{"type": "service_account", "private_key": "' + CANARY),
    "okta_token_refused": ("okta_system_log", f"00{CANARY}\n"),
    "okta_token_with_a_line_break": ("okta_system_log", f"00{CANARY}\nsecond-line"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_credentials_fail_the_source_once_and_are_never_shown(
    case: str, tmp_path: Path, make_stack: Callable[..., Any], simulator: Callable[..., Any], okta: OktaSimulator,
) -> None:
    kind, held = CASES[case]
    credentials = tmp_path / "credentials"
    if held is not None:
        credentials.write_text(held)
    url = okta.url if kind == "okta_system_log" else simulator(events=300, seed=3, start=START,
                                                               end=START + timedelta(hours=6)).url
    source: dict[str, Any] = {"kind": kind, "credentials": f"file:{credentials}", "end": "2026-11-01T06:00:00Z",
                              "page_size": 20}
    if kind == "okta_system_log":
        source["domain"] = "example.okta.com"
    stack = make_stack(url, source=source, max_receive_count=3)
    config = str(stack.config_path)

    run = run_cli("run", "--until-caught-up", "--workers", "2", "-c", config, timeout=120)
    assert run.returncode not in (0, 2), run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("logpull: error:")]
    assert len(errors) == 1, run.stderr[-3000:]
    assert "source gws-login" in errors[0] and "credentials" in errors[0]
    assert "logpull source reset gws-login" in errors[0]
    source_failed = [line for line in run.stderr.splitlines() if '"event": "source_failed"' in line]
    assert len(source_failed) == 1, run.stderr[-3000:]  # marked once, by one worker

    status = run_cli("status", "--json", "-c", config)
    report = json.loads(status.stdout)["sources"]["gws-login"]
    assert report["source_failed"]["reason"] in ("bad_credentials", "credentials_unavailable", "http_401")
    assert report["windows"]["failed"] == 0  # the windows are fine: they wait for the fix
    assert report["failed"] == []
    status_text = run_cli("status", "-c", config)
    assert "SOURCE FAILED" in status_text.stdout
    dlq = run_cli("dlq", "list", "--json", "-c", config)
    dlq_text = run_cli("dlq", "list", "-c", config)
    assert len(dlq.stdout.splitlines()) <= 1  # not one entry per window

    table = client("dynamodb", stack.settings.aws).scan(TableName=stack.settings.aws.table_name)["Items"]
    messages = [stack.queue.receive_dead(0) for _ in range(3)]
    for shown in (run.stderr, run.stdout, json.dumps(table), json.dumps(messages), status.stdout,
                  status_text.stdout, dlq.stdout, dlq_text.stdout, dlq_text.stderr):
        assert CANARY not in shown and "second-line" not in shown

    # fixed (here: the simulator's token, or a usable file): running again retries the source
    if kind == "okta_system_log":
        credentials.write_text(GOOD_TOKEN + "\n")
        again = run_cli("run", "--until-caught-up", "--workers", "2", "-c", config, timeout=240)
        assert again.returncode == 0, again.stderr[-3000:]
        after = json.loads(run_cli("status", "--json", "-c", config).stdout)["sources"]["gws-login"]
        assert after["source_failed"] is None and after["windows"]["done"] == 6
