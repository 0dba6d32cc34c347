"""Bad input at the command line: one clear line on stderr, the right exit code, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SOURCE = '[[sources]]\nid = "gws"\nstart = "2026-11-01T00:00:00Z"\n'


def logpull(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logpull.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('[aws]\nqueue = "x"\n' + SOURCE, "aws.queue: unknown key"),
        (SOURCE + 'window = "15 minutes"\n', "sources[0].window: invalid duration"),
        (SOURCE + 'credentials = "password:hunter2"\n', "sources[0].credentials"),
        ("[aws\n", "not valid TOML"),
    ],
)
def test_bad_config_exits_2_naming_the_field(tmp_path: Path, body: str, words: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(body)
    for command in (["init"], ["status"], ["orchestrate", "--once"], ["run", "--until-caught-up"]):
        result = logpull(*command, "-c", str(path))
        assert result.returncode == 2
        assert words in one_clear_line(result)


def test_unreachable_aws_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    path = tmp_path / "c.toml"
    path.write_text('[aws]\nendpoint_url = "http://127.0.0.1:9"\n' + SOURCE)
    result = logpull("init", "-c", str(path))
    assert result.returncode == 1
    assert "Could not connect" in one_clear_line(result)


def test_unreachable_api_endpoint(tmp_path: Path, aws_endpoint: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[aws]\nendpoint_url = "{aws_endpoint}"\n[sink]\nurl = "file://{tmp_path}/out"\n'
                    + SOURCE + 'api_endpoint = "http://127.0.0.1:9"\n')
    assert logpull("init", "-c", str(path)).returncode == 0  # (else: "run `logpull init` first")
    result = logpull("run", "--until-caught-up", "-c", str(path))
    assert result.returncode == 1
    assert "API endpoint http://127.0.0.1:9 is unreachable" in one_clear_line(result)


def test_bad_usage_exits_2() -> None:
    assert logpull("run", "--workers", "0").returncode == 2
    assert logpull("no-such-command").returncode == 2


def test_help_lists_every_contract_command() -> None:
    result = logpull("--help")
    assert result.returncode == 0
    for command in ("demo", "simulate", "init", "orchestrate", "work", "run", "status", "dlq", "check"):
        assert command in result.stdout
