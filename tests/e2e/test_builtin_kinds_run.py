"""End to end, each built-in vendor kind (and Zylo, an API nobody has seen, configured
with ``kind = "http"`` from the README) against its vendor fake written from the
vendor's docs: `logpull run --until-caught-up` with 3 workers, forced continuations
(1 s task deadline), page latency, 5 % API faults (the vendor's 429 with its rate-limit
headers, 5xx, connection resets), cursors that expire after 0.5 s and 20 % late events on
a live timeline. The first run misses late events (asserted); the run after the late
horizon catches them in the final pass; the sink then equals the fake's ground truth
event by event, by the kind's identity. The credential appears nowhere in logs or sink."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import config_text, write_config
from kinds_cases import CASE_IDS, CASES, KindCase, compare_sink, new_secret, sink_mentions, total
from tests_e2e_helpers import log_lines, run_cli

from shared.aws.clients import client
from shared.aws.provision import ensure_queues, ensure_table
from shared.config import load_settings
from shared.timeutil import format_instant, from_epoch

pytestmark = pytest.mark.e2e
WINDOW, WINDOWS, SETTLE, HORIZON = 20, 4, 1, 18
LATE_MIN, LATE_MAX = 12.0, 16.0  # the first run reads the last window within ~10 s
# A cursor lives 10x the time between two pages of one task, and expires when its
# continuation waits in the queue for a busy worker (there are more windows than workers).
CURSOR_TTL = 0.5
SEED = 16  # the fakes' fault draws with it: a 429 among the first 15 requests


def make_config(aws_endpoint: str, tmp_path: Path, case: KindCase, sim_url: str,
                secret_file: Path, **over: Any) -> tuple[Path, Path]:  # fmt: skip
    """A config of its own queues, table and sink for one block ``k``; the sink root."""
    name = f"t{uuid.uuid4().hex[:10]}"
    root = tmp_path / f"sink-{name}"
    worker = over.pop("worker", {"task_deadline": "1s", "lease": "10s"})
    text = config_text(aws_endpoint, sim_url, f"file://{root}", name,
                       source=case.source("k", secret_file, **over), worker=worker)  # fmt: skip
    path = write_config(tmp_path / f"{name}.toml", text + case.spec)
    settings = load_settings(path)
    ensure_queues(client("sqs", settings.aws), settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    return path, root


def sleep_until(instant: float) -> None:
    time.sleep(max(0.0, instant - time.time()))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_kind_against_its_vendor_fake_exactly_once(
    aws_endpoint: str, tmp_path: Path, case: KindCase
) -> None:
    secret = new_secret(case)
    secret_file = tmp_path / "secret"
    secret_file.write_text(f"  {secret}\n")
    end = int(time.time()) - SETTLE - 1  # every window schedulable at once
    start = end - WINDOWS * WINDOW
    events = 1_000 if case.fake == "onepassword" else 2_500  # 1Password: per stream (3)
    sim = case.start_fake(
        secret, events=events, seed=SEED, start=from_epoch(start), end=from_epoch(end),
        late_fraction=0.20, late_min=LATE_MIN, late_max=LATE_MAX, normal_lag_max=0.5,
        fault_rate=0.05, fault_kinds=case.fast_faults(), retry_after=0.2,
        page_latency=0.03, cursor_ttl=CURSOR_TTL,
    )  # fmt: skip
    try:
        config, root = make_config(
            aws_endpoint, tmp_path, case, sim.url, secret_file,
            start=format_instant(from_epoch(start)), end=format_instant(from_epoch(end)),
            window=f"{WINDOW}s", settle=f"{SETTLE}s", late_horizon=f"{HORIZON}s",
        )  # fmt: skip
        first = run_cli("run", "-c", str(config), "--workers", "3", "--until-caught-up")
        assert first.returncode == 0, first.stderr[-4000:]
        after_first = total(compare_sink(case, sim, root, "k"))
        assert after_first.missing > 0, "no event was late for the first pass: proves nothing"
        assert (after_first.duplicates, after_first.unexpected, after_first.altered) == (0, 0, 0)

        sleep_until(end + HORIZON + 1)
        second = run_cli("run", "-c", str(config), "--workers", "3", "--until-caught-up")
        assert second.returncode == 0, second.stderr[-4000:]
        results = compare_sink(case, sim, root, "k")
        final = total(results)
        stats = sim.stats()
    finally:
        sim.stop()

    print(f"{case.name}: statuses {stats['statuses']} faults {stats['faults']}, "
          f"late for the first run {after_first.missing}")  # fmt: skip
    assert final.expected == events * len(results)
    assert final.exact, results

    assert sum(stats["faults"].values()) > 0, stats
    assert stats["statuses"].get(str(case.dead_cursor_status), 0) > 0, "no cursor expired"
    if "429" in case.fast_faults():
        assert stats["faults"].get("429", 0) > 0, stats
    outcomes = Counter(
        line["outcome"]
        for line in log_lines(first.stderr + second.stderr)
        if line.get("event") == "task_finished"
    )
    assert outcomes["continued"] >= 1, outcomes
    assert outcomes["failed"] == 0, outcomes
    for stderr in (first.stderr, second.stderr):
        assert secret not in stderr
    assert sink_mentions(root, secret) == []
