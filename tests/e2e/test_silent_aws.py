"""An AWS endpoint that accepts connections and never answers (a wrong endpoint_url, a
proxy holding requests): every command ends on its own with one line, exit 1, instead
of botocore's 8 attempts of 30 s per call (`status` and `check` were still running
after 100 s). The start-up lookups and the sink probe use short timeouts and 2 attempts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
BOUND_S = 40  # 2 attempts x 5 s per call, and a few calls; was > 100 s


@pytest.mark.parametrize(("sink", "command"), [("file", ["check"]),
                                               ("s3", ["run", "--until-caught-up"])])
def test_commands_against_a_silent_aws_endpoint_end(tmp_path: Path, silent_endpoint: str, sink: str,
                                                    command: list[str]) -> None:
    url = "s3://logpull-sink/audit" if sink == "s3" else f"file://{tmp_path}/out"
    path = tmp_path / "c.toml"
    path.write_text(f'[aws]\nendpoint_url = "{silent_endpoint}"\n[sink]\nurl = "{url}"\n'
                    '[[sources]]\nid = "gws"\nstart = "2026-11-01T00:00:00Z"\napi_endpoint = "http://127.0.0.1:9"\n')
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "logpull.cli", *command, "-c", str(path)], capture_output=True,
                            text=True, timeout=150, check=False, env=env)
    assert time.monotonic() - began < BOUND_S
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    if command == ["check"]:
        assert any(line.startswith("FAIL aws") and "timeout" in line.lower() for line in result.stdout.splitlines())
    else:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "timeout" in lines[0].lower(), lines
