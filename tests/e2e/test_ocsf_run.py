"""End to end with ``[sink] ocsf_url``: worker processes SIGKILLed at random moments and
restarted while they read Google (login, admin, token, saml, drive: every mapped class
and the generic one) or Okta. Afterwards the raw output equals the ground truth exactly
and the OCSF output holds exactly one object per committed raw event, matched by
``metadata.uid``, with the contract's fields, ``type_uid`` and ``time``."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocsf_checks import check_one_per_raw, ocsf_output, validate
from tests_e2e_helpers import Processes, kill_workers_until, run_cli

from shared.config import load_settings
from shared.sink_reader import iter_committed_items
from shared.verify import compare
from worker.context import build_source

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)
EVENTS = 3000
WINDOWS = 12  # per source: 6 h in 30 min windows
BUDGET_SECONDS = 150
APPLICATIONS = ("login", "admin", "token", "saml", "drive")


def more_sources(api: Any) -> str:
    """The Google applications after the first, as sources of their own."""
    if api.kind != "google_reports":
        return ""
    blocks = []
    for app in APPLICATIONS[1:]:
        blocks.append(f'''
[[sources]]
id = "gws-{app}"
kind = "google_reports"
application = "{app}"
api_endpoint = "{{url}}"
credentials = "anonymous"
start = "2026-11-01T00:00:00Z"
end = "2026-11-01T06:00:00Z"
window = "30m"
settle = "1m"
late_horizon = "1m"
page_size = 40
''')
    return "".join(blocks)


def all_done(stack: Any, sources: list[str]) -> bool:
    for source in sources:
        windows = list(stack.store.list_windows(source))
        if len(windows) != WINDOWS or any(w.state != "done" for w in windows):
            return False
    counts = stack.queue.counts()
    return counts.visible + counts.in_flight + counts.delayed == 0


def test_ocsf_output_is_exactly_once_with_workers_killed(make_stack: Callable[..., Any], api: Any,
                                                         tmp_path: Path) -> None:
    rng = random.Random(20261129)
    extra = {"applications": APPLICATIONS} if api.kind == "google_reports" else {}
    sim = api.start(events=EVENTS, seed=9, start=START, end=START + timedelta(hours=6), page_latency=0.05, **extra)
    stack = make_stack(sim.url, ocsf=True,
                       source=api.source(end="2026-11-01T06:00:00Z", window="30m", page_size=40),
                       worker={"lease": "2s", "task_deadline": "2s", "receive_wait": "1s"})
    with stack.config_path.open("a", encoding="utf-8") as config:
        config.write(more_sources(api).replace("{url}", sim.url))
    settings = load_settings(stack.config_path)
    sources = [s.id for s in settings.sources]
    procs = Processes(stack.config_path, tmp_path)
    orchestrators = [procs.spawn("orchestrate", "--interval", "1s")]
    workers = [procs.spawn("work") for _ in range(3)]
    kills = kill_workers_until(lambda: all_done(stack, sources), time.monotonic() + BUDGET_SECONDS, procs, workers,
                               orchestrators, lambda: rng.uniform(1.0, 2.5), rng)
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(tmp_path.glob("*.log")))
    assert all_done(stack, sources), f"not every window finished within {BUDGET_SECONDS}s after {kills} kills\n{logs[-6000:]}"
    assert kills >= 3
    print(f"ocsf run: {kills} kills, {len(sources)} source(s)")

    raw = list(stack.committed())
    result = compare(sim.ground_truth(), raw, api.kind)
    assert result.expected == EVENTS
    assert (result.missing, result.duplicates, result.unexpected, result.altered) == (0, 0, 0, 0), result
    source = build_source(settings.sources[0], settings)
    objects = ocsf_output(settings)
    assert check_one_per_raw(raw, objects, source.identity, source.event_time) == EVENTS
    classes = Counter(o["class_uid"] for o in objects)
    expected = {0, 3001, 3002, 3006, 6003} if api.kind == "google_reports" else {0, 3001, 3002}
    assert set(classes) == expected, classes
    for obj in {(o["class_uid"], o["activity_id"], o.get("status_id")): o
                for o in objects}.values():
        validate(obj)


def test_the_demo_writes_and_counts_ocsf_output(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_cli("demo", "--events", "1500", "--days", "0.5", "--workers", "2", "--page-latency", "0.01",
                     "--ocsf", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1,500 objects for 1,500 raw events: missing 0" in " ".join(result.stdout.split()), result.stdout
    objects = list(iter_committed_items(out / "ocsf"))
    assert len(objects) == 1500 and {o["class_uid"] for o in objects} == {3002}


def test_init_creates_the_ocsf_bucket_and_check_probes_both_roots(make_stack: Callable[..., Any], simulator: Any,
                                                                    tmp_path: Path) -> None:
    sim = simulator(events=100, seed=1)
    stack = make_stack(sim.url, sink="s3")
    bucket = stack.settings.sink.url.removeprefix("s3://").split("/")[0]
    text = stack.config_path.read_text(encoding="utf-8")
    stack.config_path.write_text(text.replace("create_bucket = true", f'create_bucket = true\nocsf_url = "s3://{bucket}-ocsf/n"'),
                                 encoding="utf-8")
    init = run_cli("init", "-c", str(stack.config_path))
    assert init.returncode == 0, init.stderr[-2000:]
    assert json.loads(init.stdout)["ocsf_bucket"] == f"{bucket}-ocsf"
    check = run_cli("check", "-c", str(stack.config_path))
    assert check.returncode == 0 and f"ok   sink s3://{bucket}-ocsf/n (OCSF)" in check.stdout, check.stdout
    blocked = tmp_path / "blocker"
    blocked.write_text("x")
    stack.config_path.write_text(text.replace("create_bucket = true", f'ocsf_url = "file://{blocked}/ocsf"'),
                                 encoding="utf-8")
    check = run_cli("check", "-c", str(stack.config_path))
    assert check.returncode == 1 and f"FAIL sink file://{blocked}/ocsf is not writable" in check.stdout, check.stdout
