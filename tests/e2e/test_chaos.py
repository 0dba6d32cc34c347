"""Chaos: 4 worker processes SIGKILLed at random moments and restarted, two orchestrators
ticking concurrently, ~5 % injected API faults and expiring page tokens, one garbage
message. Afterwards the sink equals the ground truth exactly."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests_e2e_helpers import Processes, kill_workers_until, run_cli

from shared.aws.dead_letters import DeadLetters
from shared.verify import compare

pytestmark = [pytest.mark.e2e, pytest.mark.engines]  # engines: also on a DynamoDB engine
START = datetime(2026, 11, 1, tzinfo=UTC)
WINDOWS = 24
BUDGET_SECONDS = 110


def all_done(stack: Any) -> bool:
    """Every window done and every message deleted: a task deletes its message only after
    publishing, so a window can be `done` a moment before its last part is visible."""
    windows = list(stack.store.list_windows("gws-login"))
    if len(windows) != WINDOWS or any(w.state != "done" for w in windows):
        return False
    counts = stack.queue.counts()
    return counts.visible + counts.in_flight + counts.delayed == 0


def test_chaos(make_stack: Callable[..., Any], api: Any, tmp_path: Path) -> None:
    rng = random.Random(20261127)
    sim = api.start(events=12_000, seed=3, start=START, end=START + timedelta(hours=12), page_latency=0.1,
                    fault_rate=0.05, retry_after=0.2, token_ttl=4.0)
    stack = make_stack(sim.url, source=api.source(end="2026-11-01T12:00:00Z", window="30m", page_size=40),
                       worker={"lease": "2s", "task_deadline": "2s", "receive_wait": "1s"})
    stack.queue._client.send_message(QueueUrl=stack.queue.url(), MessageBody="this is not a task {")  # noqa: SLF001
    procs = Processes(stack.config_path, tmp_path)
    orchestrators = [procs.spawn("orchestrate", "--interval", "1s")]
    # moto's TransactWriteItems is not isolated across its server threads: a transaction
    # that fails restores a snapshot of the table taken before it ran, dropping what a
    # concurrent one wrote meanwhile (real DynamoDB transactions are serialisable). So
    # the second orchestrator starts once the first has recorded the windows; from then
    # on both tick concurrently (enqueue, scavenge, ledger).
    recorded_by = time.monotonic() + 30
    while len(list(stack.store.list_windows("gws-login"))) < WINDOWS and time.monotonic() < recorded_by:
        time.sleep(0.1)
    orchestrators.append(procs.spawn("orchestrate", "--interval", "1s"))
    workers = [procs.spawn("work") for _ in range(4)]
    kills = kill_workers_until(lambda: all_done(stack), time.monotonic() + BUDGET_SECONDS, procs, workers,
                               orchestrators, lambda: rng.uniform(0.2, 1.0), rng)
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(tmp_path.glob("*.log")))
    assert all_done(stack), f"not every window finished within {BUDGET_SECONDS}s after {kills} kills\n{logs[-6000:]}"
    assert kills >= 5
    print(f"chaos: {kills} kills, faults {sim.stats()['faults']}")

    result = compare(sim.ground_truth(), stack.committed(), api.kind)
    assert result.expected == 12_000
    assert (result.missing, result.duplicates, result.unexpected, result.altered) == (0, 0, 0, 0), result

    windows = sorted(stack.store.list_windows("gws-login"), key=lambda w: w.key.start)
    assert [w.key.start for w in windows] == [START + i * timedelta(minutes=30) for i in range(WINDOWS)]
    assert all(w.key.end - w.key.start == timedelta(minutes=30) for w in windows), "a window was scheduled twice"

    dead = DeadLetters(stack.queue, stack.store).peek()
    assert [e["reason"].split(":")[0] for e in dead] == ["malformed_message"], dead
    listed = run_cli("dlq", "list", "-c", str(stack.config_path), "--json")
    assert listed.returncode == 0 and '"reason": "malformed_message' in listed.stdout, listed.stderr[-2000:]
    stats = sim.stats()
    assert sum(stats["faults"].values()) > 0, "no fault was injected: the test would prove nothing"
