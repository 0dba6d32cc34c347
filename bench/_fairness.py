"""Fairness: how long a live source's first passes wait while another source backfills.

Compressed time: a simulated clock drives the real orchestrator (its ticks, lanes and
backlog limit) against real SQS queues and the real state table on a moto server, and
a pool of simulated workers receives tasks the way ``logpull work`` does (the real
``SqsTaskQueue.receive``: live queue first) and spends ``task_s`` simulated seconds on
each before marking its window done. A live first pass's delay is from when it is due
(``window end + settle``) until its task is done; the p95 of it is taken three ways:
live sources (15-minute windows) alone; beside a source backfilling ``backfill_days``
(the two lanes); and the same with both lanes on one queue (what a single queue did).
The fleet is kept busy: the backfill outlasts the simulated span.
Target: with the backfill, at most 1.2 x the p95 alone plus one window.
"""

from __future__ import annotations

import heapq
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._services import moto_server

T0 = datetime(2026, 12, 1, tzinfo=UTC)  # simulated "now" at the start
WINDOW, SETTLE = timedelta(minutes=15), timedelta(minutes=5)
TICK_S = 60.0  # the orchestrator's interval (simulated)


@dataclass
class Sizes:
    backfill_days: int
    backfill_window: str  # (1h for 30 days: moto's transactions grow its memory with the table's size)
    live_sources: int
    hours: float
    workers: int
    task_s: float
    max_backlog: int


SIZES = {"full": Sizes(backfill_days=30, backfill_window="1h", live_sources=3, hours=5, workers=2, task_s=60.0,
                      max_backlog=1000),
         "quick": Sizes(backfill_days=1, backfill_window="15m", live_sources=1, hours=0.75, workers=2, task_s=60.0,
                       max_backlog=20)}


def _config(workdir: Path, aws_url: str, sizes: Sizes, backfill: bool, one_queue: bool) -> Path:
    name = f"f{uuid.uuid4().hex[:8]}"
    sources = [(f"live-{i}", T0, "15m") for i in range(sizes.live_sources)]
    if backfill:
        sources.append(("backfill", T0 - timedelta(days=sizes.backfill_days), sizes.backfill_window))
    blocks = "\n".join(f"""
[[sources]]
id = "{source}"
start = "{start.strftime('%Y-%m-%dT%H:%M:%SZ')}"
window = "{window}"
settle = "5m"
late_horizon = "1m"
api_endpoint = "http://127.0.0.1:9"
""" for source, start, window in sources)
    path = workdir / f"{name}.toml"
    path.write_text(f"""
[aws]
endpoint_url = "{aws_url}"
queue_name = "{name}-tasks"
{f'backfill_queue_name = "{name}-tasks"' if one_queue else ''}
dlq_name = "{name}-dlq"
table_name = "{name}-state"

[sink]
url = "file://{workdir / name}"

[logging]
level = "warning"
format = "json"
{blocks}
""")
    return path


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def _simulate(config: Path, sizes: Sizes) -> dict[str, Any]:
    """Run the simulated fleet for ``sizes.hours``; the live first passes' delays (s)."""
    from orchestrator.tick import Orchestrator
    from shared.aws.clients import client
    from shared.aws.provision import ensure_queues, ensure_table
    from shared.aws.state_store import DynamoStateStore
    from shared.aws.task_queue import SqsTaskQueue
    from shared.config import load_settings
    from shared.log import configure_logging
    from shared.models import parse_task

    settings = load_settings(config)
    configure_logging("warning", "json")
    aws = settings.aws
    ensure_queues(client("sqs", aws), settings)
    ensure_table(client("dynamodb", aws), settings)
    store = DynamoStateStore(client("dynamodb", aws), aws.table_name)
    queue = SqsTaskQueue(client("sqs", aws), aws.queue_name, aws.dlq_name, aws.backfill_queue)
    now = [T0.timestamp()]
    orchestrator = Orchestrator(settings, store, queue, lambda: now[0], max_backlog=sizes.max_backlog)
    end = now[0] + sizes.hours * 3600
    busy: list[tuple[float, int, Any, Any]] = []  # (done at, seq, received, task) per busy worker
    delays: list[float] = []
    next_tick, seq, tasks = now[0], 0, 0
    while now[0] < end:
        if next_tick <= now[0]:
            orchestrator.tick()
            next_tick += TICK_S
        while busy and busy[0][0] <= now[0]:  # tasks that end now
            _, _, received, task = heapq.heappop(busy)
            leased = store.acquire(task.key, "sim", now[0] + 3600, received.message_id, task.dispatch)
            store.write(leased.evolve(version=leased.version + 1, state="done", lease_owner=None, lease_expiry=0.0,
                                      pages=1, started_at=now[0] - sizes.task_s, updated_at=now[0]),
                        leased.version, "sim")
            queue.delete(received.receipt_handle, received.lane)
            if task.source.startswith("live") and task.pass_no == 0:
                delays.append(now[0] - (task.window_end + SETTLE).timestamp())
        while len(busy) < sizes.workers and (got := queue.receive(1, 0, 3600)):  # idle workers take tasks
            task = parse_task(got[0].body)
            seq, tasks = seq + 1, tasks + 1
            heapq.heappush(busy, (now[0] + sizes.task_s, seq, got[0], task))
        now[0] = min(next_tick, busy[0][0]) if busy else next_tick
    # live first passes due but not done by the end count with what they waited so far
    # (a lower bound: a single queue can starve them for the whole span)
    waiting = [end - (w.key.end + SETTLE).timestamp() for source in settings.sources if source.id.startswith("live")
               for w in store.list_windows(source.id)
               if w.key.pass_no == 0 and w.state != "done" and (w.key.end + SETTLE).timestamp() <= end]
    backfilled = sum(1 for w in store.list_windows("backfill") if w.state == "done")
    return {"delays": delays + waiting, "unfinished": len(waiting), "tasks": tasks,
            "backfill_windows_done": backfilled}


def fairness(workdir: Path, size: str) -> dict[str, Any]:
    sizes = SIZES[size]
    runs = {}
    for label, backfill, one_queue in (("alone", False, False), ("with_backfill", True, False),
                                       ("with_backfill_one_queue", True, True)):
        with moto_server() as aws_url:  # a fresh one each: moto's memory grows with its transactions
            runs[label] = _simulate(_config(workdir, aws_url, sizes, backfill, one_queue), sizes)
    alone, lanes, single = (_p95(runs[k]["delays"]) for k in ("alone", "with_backfill", "with_backfill_one_queue"))
    target = 1.2 * alone + WINDOW.total_seconds()
    return {"backfill_days": sizes.backfill_days, "live_sources": sizes.live_sources, "hours": sizes.hours,
            "workers": sizes.workers, "task_s": sizes.task_s, "max_backlog": sizes.max_backlog,
            "live_first_passes": len(runs["with_backfill"]["delays"]),
            "p95_alone_s": round(alone, 1), "p95_with_backfill_s": round(lanes, 1),
            "p95_one_queue_s": round(single, 1), "ratio": round(lanes / alone, 2) if alone else None,
            "unfinished": {k: v["unfinished"] for k, v in runs.items()},  # live first passes never done
            "target_s": round(target, 1), "met": lanes <= target,
            "backfill_windows_done": runs["with_backfill"]["backfill_windows_done"],
            "backfill_windows_done_one_queue": runs["with_backfill_one_queue"]["backfill_windows_done"]}
