"""``logpull simulate --api NAME`` serves each vendor fake."""

# ruff: noqa: PLR2004 - status codes read best as literals in tests

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from logpull.cli._sim_commands import simulate

CALLS = {
    "github": ("get", "/orgs/acme/audit-log", {"Authorization": "Bearer s3cret"}),
    "zylo": ("get", "/v2/audit/events", {"X-Zylo-Token": "s3cret"}),
    "onepassword": ("post", "/api/v1/signinattempts", {"Authorization": "Bearer s3cret"}),
}


@pytest.mark.parametrize("api", sorted(CALLS))
def test_simulate_serves_a_vendor_fake_with_the_given_token(api: str) -> None:
    command = [sys.executable, "-c", "from logpull.cli import main; main()", "simulate",
               "--api", api, "--port", "0", "--events", "50", "--token", "s3cret"]  # fmt: skip
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:  # noqa: S603 - our own CLI
        try:
            assert process.stderr is not None
            line = process.stderr.readline()
            url = re.search(r"http://\S+", line)
            assert url is not None, line
            method, path, headers = CALLS[api]
            answer = requests.request(method, url.group(0) + path, headers=headers, json={},
                                      timeout=10)  # fmt: skip
            assert answer.status_code == 200, answer.text
        finally:
            process.terminate()


def test_simulate_refuses_an_unknown_api_and_bad_fault_kinds() -> None:
    runner = CliRunner()
    assert runner.invoke(simulate, ["--api", "nope"]).exit_code == 2
    bad = runner.invoke(simulate, ["--api", "slack", "--fault-rate", "0.5", "--fault-kinds", "x"])
    assert bad.exit_code == 2
    assert "unknown fault kind" in bad.output
