"""End to end with an Okta OAuth 2.0 service app secret: `logpull run` reads every window
exactly through access tokens from the simulator's token endpoint (a handful of token
requests, not one per page); a client Okta refuses fails the source once; the private
key is never shown anywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from okta_oauth_helpers import CLIENT_ID, key_lines, key_pair, write_secret

from shared.aws.clients import client
from logpull.simulator import OktaSimulator
from shared.verify import compare
from tests_e2e_helpers import run_cli

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def okta(okta_simulator: Callable[..., OktaSimulator]) -> Callable[[str], OktaSimulator]:
    """An Okta org that knows ``public_key`` for the service app CLIENT_ID."""
    return lambda public_key: okta_simulator(
        token="00unused-api-token", events=1500, seed=5, start=START, end=START + timedelta(hours=6),
        oauth_clients={CLIENT_ID: public_key})


def stack_for(make_stack: Callable[..., Any], sim: OktaSimulator, secret: Path) -> Any:
    return make_stack(sim.url, max_receive_count=3, source={
        "kind": "okta_system_log", "domain": "example.okta.com", "credentials": f"file:{secret}",
        "end": "2026-11-01T06:00:00Z", "page_size": 25})


def test_a_service_app_reads_every_window_exactly(
    okta: Callable[..., OktaSimulator], make_stack: Callable[..., Any], tmp_path: Path
) -> None:
    sim = okta(key_pair()[1])
    stack = stack_for(make_stack, sim, write_secret(tmp_path / "okta.json"))
    run = run_cli("run", "--until-caught-up", "--workers", "2", "-c", str(stack.config_path), timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    comparison = compare(sim.ground_truth(), stack.committed(), "okta_system_log")
    assert comparison.expected == 1500
    assert (comparison.missing, comparison.duplicates, comparison.unexpected, comparison.altered) == (0, 0, 0, 0)
    assert sim.stats()["pages"] >= 60
    assert 1 <= sim.token_requests() <= 8  # cached per worker thread, not one per page
    assert not any(line in run.stderr + run.stdout for line in key_lines())


def test_a_refused_client_fails_the_source_once_and_the_key_is_never_shown(
    okta: Callable[..., OktaSimulator], make_stack: Callable[..., Any], tmp_path: Path
) -> None:
    sim = okta(key_pair("other")[1])  # Okta knows another key for this client
    stack = stack_for(make_stack, sim, write_secret(tmp_path / "okta.json"))
    config = str(stack.config_path)
    run = run_cli("run", "--until-caught-up", "--workers", "2", "-c", config, timeout=120)
    assert run.returncode not in (0, 2), run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    source_failed = [line for line in run.stderr.splitlines() if '"event": "source_failed"' in line]
    assert len(source_failed) == 1, run.stderr[-3000:]
    assert "invalid_client" in source_failed[0]

    status = run_cli("status", "--json", "-c", config)
    report = json.loads(status.stdout)["sources"]["gws-login"]
    assert report["source_failed"]["reason"] == "bad_credentials"
    assert report["windows"]["failed"] == 0
    table = client("dynamodb", stack.settings.aws).scan(TableName=stack.settings.aws.table_name)["Items"]
    for shown in (run.stderr, run.stdout, json.dumps(table), status.stdout):
        assert not any(line in shown for line in key_lines())
