"""Held-out full-size checks of the built-in vendor kinds (and Zylo, ``kind = "http"``)
against their vendor fakes (issue #22, "Done when"). Too slow for the default suite.

    .venv/bin/python scripts/heldout_kinds.py                 # every kind, both checks
    .venv/bin/python scripts/heldout_kinds.py --kind slack --check slice

* ``slice``: 20,000 events (1Password: over its three streams), 1 h windows over a day,
  4 workers, 1 s task deadline (forced continuations), 100 ms page latency: exact, no
  window restarted (each window's first page asked once, by the fake's request log),
  the credential nowhere in the logs or the sink.
* ``chaos``: 30,000 events, 5 % API faults (the vendor's own: its 429 with its rate-limit
  headers, 5xx, connection resets), cursors that expire after 4 s, 4 workers SIGKILLed
  at random and restarted, two orchestrators ticking concurrently: exact.

An AWS emulator (moto server) is started in-process unless AWS_ENDPOINT_URL names one.
Prints one line per check and exits non-zero if any check is not exact.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from conftest import config_text, write_config  # noqa: E402
from kinds_cases import (  # noqa: E402
    HELD_OUT_CASES,
    KindCase,
    compare_sink,
    first_page_counts,
    new_secret,
    sink_mentions,
    total,
)
from tests_e2e_helpers import Processes, kill_workers_until, log_lines, run_cli  # noqa: E402

from shared.aws.clients import client  # noqa: E402
from shared.aws.provision import ensure_queues, ensure_table  # noqa: E402
from shared.aws.state_store import DynamoStateStore  # noqa: E402
from shared.aws.task_queue import SqsTaskQueue  # noqa: E402
from shared.config import Settings, load_settings  # noqa: E402
from shared.timeutil import format_instant  # noqa: E402

START = datetime(2026, 11, 1, tzinfo=UTC)
CHAOS_SECONDS = 900


@dataclass
class Setup:
    config: Path
    root: Path
    settings: Settings
    secret: str


def _setup(aws: str, work: Path, case: KindCase, sim_url: str, secret: str, name: str,
           span: timedelta, window: str, page_size: int,
           worker: dict[str, Any]) -> Setup:  # fmt: skip
    secret_file = work / f"{name}.secret"
    secret_file.write_text(secret + "\n")
    root = work / f"sink-{name}"
    over: dict[str, Any] = {"start": format_instant(START), "end": format_instant(START + span),
                            "window": window, "late_horizon": "1m", "settle": "1m"}  # fmt: skip
    over["page_size"] = page_size
    if case.login_at_api:
        over["login_endpoint"] = sim_url
    text = config_text(aws, sim_url, f"file://{root}", name,
                       source=case.source("k", secret_file, **over), worker=worker)  # fmt: skip
    path = write_config(work / f"{name}.toml", text + case.spec)
    settings = load_settings(path)
    ensure_queues(client("sqs", settings.aws), settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    return Setup(path, root, settings, secret)


def _events(case: KindCase, wanted: int) -> int:
    """Per stream: 1Password's and Graph's counts are per stream."""
    return wanted // {"onepassword": 3, "graph": 2}.get(case.fake, 1)  # per stream


def run_slice(aws: str, work: Path, case: KindCase, events: int) -> dict[str, Any]:
    secret = new_secret(case)
    span = timedelta(days=1)
    sim = case.start_fake(secret, events=_events(case, events), seed=11, start=START,
                          end=START + span, page_latency=0.1)  # fmt: skip
    try:
        setup = _setup(aws, work, case, sim.url, secret, f"s-{case.name}", span, "1h", 50,
                       {"task_deadline": "1s", "lease": "10s"})  # fmt: skip
        began = time.monotonic()
        result = run_cli("run", "-c", str(setup.config), "--workers", "4", "--until-caught-up",
                         timeout=1800)  # fmt: skip
        seconds = time.monotonic() - began
        found = total(compare_sink(case, sim, setup.root, "k"))
        firsts = first_page_counts(case, sim)
    finally:
        sim.stop()
    windows = 24 * len(case.streams(sim))
    finished = [x for x in log_lines(result.stderr) if x.get("event") == "task_finished"]
    return {
        "check": "slice", "kind": case.name, "exit": result.returncode, "events": found.expected,
        "committed": found.committed, "missing": found.missing,
        "duplicates": found.duplicates, "unexpected": found.unexpected,
        "altered": found.altered, "seconds": round(seconds, 1),
        "continued": sum(1 for x in finished if x.get("outcome") == "continued"),
        "windows_first_paged": len(firsts), "windows": windows,
        "restarted": sum(1 for n in firsts.values() if n != 1),
        "credential_in_logs": secret in result.stderr + result.stdout,
        "credential_in_sink": len(sink_mentions(setup.root, secret)),
        "ok": result.returncode == 0 and found.exact and len(firsts) == windows
        and any(x.get("outcome") == "continued" for x in finished)
        and all(n == 1 for n in firsts.values()) and secret not in result.stderr
        and not sink_mentions(setup.root, secret),
    }  # fmt: skip


def _all_done(store: DynamoStateStore, queue: SqsTaskQueue, ids: list[str], windows: int) -> bool:
    for logical in ids:
        found = list(store.list_windows(logical))
        if len(found) != windows or any(w.state != "done" for w in found):
            return False
    counts = queue.counts()
    return counts.visible + counts.in_flight + counts.delayed == 0


def run_chaos(aws: str, work: Path, case: KindCase, events: int) -> dict[str, Any]:
    rng = random.Random(20261205)  # noqa: S311 - chaos schedule
    secret = new_secret(case)
    span, windows = timedelta(hours=12), 24
    faults = tuple(f for f in case.faults if f != "403")  # GitHub's 403: wait for the hour
    sim = case.start_fake(secret, events=_events(case, events), seed=5, start=START,
                          end=START + span, page_latency=0.02, fault_rate=0.05,
                          fault_kinds=faults, retry_after=0.5, cursor_ttl=4.0)  # fmt: skip
    name = f"c-{case.name}"
    logs = work / name
    logs.mkdir()
    kills = 0
    try:
        setup = _setup(aws, work, case, sim.url, secret, name, span, "30m", 100,
                       {"task_deadline": "2s", "lease": "3s", "receive_wait": "1s"})  # fmt: skip
        aws_settings = setup.settings.aws
        store = DynamoStateStore(client("dynamodb", aws_settings), aws_settings.table_name)
        queue = SqsTaskQueue(client("sqs", aws_settings), aws_settings.queue_name,
                             aws_settings.dlq_name, aws_settings.backfill_queue)  # fmt: skip
        ids = case.logical_ids("k", sim)
        procs = Processes(setup.config, logs)
        began = time.monotonic()
        orchestrators = [procs.spawn("orchestrate", "--interval", "1s")]
        recorded_by = time.monotonic() + 60  # moto's transactions: see tests/e2e/test_chaos.py
        while time.monotonic() < recorded_by and any(
            len(list(store.list_windows(i))) < windows for i in ids
        ):
            time.sleep(0.2)
        orchestrators.append(procs.spawn("orchestrate", "--interval", "1s"))
        workers = [procs.spawn("work") for _ in range(4)]
        kills = kill_workers_until(lambda: _all_done(store, queue, ids, windows),
                                   time.monotonic() + CHAOS_SECONDS, procs, workers,
                                   orchestrators, lambda: rng.uniform(0.5, 2.0), rng)  # fmt: skip
        seconds = time.monotonic() - began
        done = _all_done(store, queue, ids, windows)
        found = total(compare_sink(case, sim, setup.root, "k"))
        stats = sim.stats()
    finally:
        sim.stop()
    text = "\n".join(p.read_text(errors="replace") for p in sorted(logs.glob("*.log")))
    return {
        "check": "chaos", "kind": case.name, "all_done": done, "events": found.expected,
        "committed": found.committed, "missing": found.missing,
        "duplicates": found.duplicates, "unexpected": found.unexpected,
        "altered": found.altered, "seconds": round(seconds, 1), "kills": kills,
        "faults": stats["faults"], "requests": stats["requests"],
        "statuses": stats["statuses"],  # the vendor's dead-cursor status among them
        "credential_in_logs": secret in text,
        "ok": done and found.exact and kills > 0 and secret not in text,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", action="append", choices=[c.name for c in HELD_OUT_CASES])
    parser.add_argument("--check", action="append", choices=["slice", "chaos"])
    parser.add_argument("--slice-events", type=int, default=20_000)
    parser.add_argument("--chaos-events", type=int, default=30_000)
    args = parser.parse_args(argv)
    import os

    from shared.aws.emulator import start_emulator, use_dummy_credentials

    use_dummy_credentials()
    emulator = None if os.environ.get("AWS_ENDPOINT_URL") else start_emulator()
    aws = os.environ.get("AWS_ENDPOINT_URL") or (emulator.url if emulator else "")
    failures = 0
    try:
        with tempfile.TemporaryDirectory(prefix="logpull-heldout-") as tmp:
            for case in [c for c in HELD_OUT_CASES if not args.kind or c.name in args.kind]:
                for check in args.check or ["slice", "chaos"]:
                    work = Path(tmp) / f"{case.name}-{check}"
                    work.mkdir()
                    if check == "slice":
                        report = run_slice(aws, work, case, args.slice_events)
                    else:
                        report = run_chaos(aws, work, case, args.chaos_events)
                    failures += not report["ok"]
                    print(json.dumps(report), flush=True)
    finally:
        if emulator is not None:
            emulator.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
