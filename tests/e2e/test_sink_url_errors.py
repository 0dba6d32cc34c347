"""An S3 sink URL botocore would refuse (no bucket, a name with characters no bucket
has) is a config error: exit 2, one line naming the field, before anything runs. It
was exit 1 with botocore's two-line parameter-validation message (or a one-line
runtime error for ``s3:///prefix``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
SOURCE = '[[sources]]\nid = "gws"\nstart = "2026-11-01T00:00:00Z"\napi_endpoint = "http://127.0.0.1:9"\n'


@pytest.mark.parametrize("url", ["s3://Bad_Bucket!/audit", "s3:///audit", "s3://", "s3://my bucket/x"])
def test_s3_sink_url_without_a_usable_bucket_exits_2(tmp_path: Path, url: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[aws]\nendpoint_url = "http://127.0.0.1:9"\n[sink]\nurl = "{url}"\n' + SOURCE)
    for command in (["run", "--until-caught-up"], ["check"], ["init"]):
        result = subprocess.run([sys.executable, "-m", "logpull.cli", *command, "-c", str(path)],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 2, (command, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert "sink.url" in lines[0], lines
