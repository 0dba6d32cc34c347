"""``logpull check`` against each vendor fake: one authenticated request per stream and
"ok" for each; with a token the vendor refuses, one clear FAIL line per stream naming
the source and the 401 (exit 1, as for the other kinds), and the token never echoed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from kinds_cases import CASE_IDS, CASES, KindCase, new_secret
from test_builtin_kinds_run import make_config

pytestmark = pytest.mark.e2e


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logpull.cli", "check", "-c", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_check_one_request_per_stream_and_a_refused_token(
    aws_endpoint: str, tmp_path: Path, case: KindCase
) -> None:
    right, wrong = new_secret(case), new_secret(case)
    good_file, bad_file = tmp_path / "good", tmp_path / "bad"
    good_file.write_text(right + "\n")
    bad_file.write_text(wrong + "\n")
    sim = case.start_fake(right, events=200, seed=3)
    try:
        ids = case.logical_ids("k", sim)
        config, root = make_config(aws_endpoint, tmp_path, case, sim.url, good_file)
        good = check(config)
        asked = sim.stats()["requests"]
        refused_config, _ = make_config(aws_endpoint, tmp_path, case, sim.url, bad_file)
        refused = check(refused_config)
    finally:
        sim.stop()

    kind = case.keys["kind"]
    out = [line for line in good.stdout.splitlines() if line.strip()]
    assert good.returncode == 0, good.stdout + good.stderr
    for logical in ids:
        assert any(line.startswith(f"ok   source {logical} ({kind})") for line in out), out
    assert asked == len(ids)  # one request per stream
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    failed = [line for line in refused.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == len(ids), failed
    for line, logical in zip(failed, ids, strict=True):
        assert line.startswith(f"FAIL source {logical} ({kind}): not authorised: HTTP 401"), line
    assert wrong not in refused.stdout + refused.stderr
    assert right not in good.stdout + good.stderr
