"""The benchmark script still runs end to end (tiny sizes; it measures nothing here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    for name in ("ceiling", "ceiling_at_50ms", "scaling", "aws_requests", "crash_rereads", "memory", "quota_backfill",
                 "okta_pacing", "budget_aws_requests", "control_plane", "fairness", "okta_engine"):
        assert name in figures, name
    assert figures["ceiling"]["events"] >= 3_000 and figures["ceiling"]["ratio"] > 0
    assert figures["crash_rereads"]["kills"] >= 1
    assert figures["fairness"]["live_first_passes"] >= 1 and figures["fairness"]["p95_alone_s"] > 0
    for latency in ("instant", "at_50ms"):
        engine = figures["okta_engine"][latency]
        assert engine["events"] >= 3_000 and engine["cpu_ratio"] > 0 and engine["speed_ratio"] > 0
    assert "ceiling ratio" in result.stdout and "peak RSS" in result.stdout
