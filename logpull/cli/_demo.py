"""``logpull demo``: everything embedded, then counted against the ground truth."""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click

from logpull.cli._demo_ocsf import count_ocsf
from logpull.cli._demo_summary import DemoOutcome, print_closing_table
from logpull.cli._progress import ProgressDisplay
from logpull.cli._running import published_in_sink
from logpull.cli._workers import spawn_subprocess
from orchestrator.ledger import ledger
from orchestrator.local_run import LocalRun, WorkerPool
from orchestrator.planning import align_down
from shared.aws.clients import client
from shared.aws.emulator import start_emulator, use_dummy_credentials
from shared.aws.provision import ensure_queues, ensure_table
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import load_settings
from shared.errors import UsageError
from shared.log import configure_logging
from shared.timeutil import format_duration, format_instant, utcnow
from shared.verify import compare_sink


@dataclass(frozen=True)
class DemoOptions:
    events: int
    workers: int
    out: str | None
    days: float
    window: timedelta
    page_size: int
    task_deadline: timedelta
    page_latency: float
    fault_rate: float
    seed: int
    ocsf: bool = False  # also write OCSF under <out>/ocsf and count it against the raw output


def _out_dir(out: str | None) -> Path:
    if out is None:
        return Path(tempfile.mkdtemp(prefix="logpull-demo-"))
    path = Path(out).resolve()
    sink = path / "sink"
    if sink.exists() and any(sink.iterdir()):
        raise UsageError(f"--out {out} already holds sink output from an earlier demo: choose an empty directory")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _config_text(aws_url: str, api_url: str, out: Path, options: DemoOptions, start: str) -> str:
    return f"""# written by `logpull demo`
[aws]
region = "us-east-1"
endpoint_url = "{aws_url}"
queue_name = "logpull-demo-tasks"
dlq_name = "logpull-demo-tasks-dlq"
table_name = "logpull-demo-state"

[worker]
task_deadline = "{format_duration(options.task_deadline)}"
lease = "10s"
receive_wait = "1s"

[sink]
url = "file://{out / 'sink'}"
{f'ocsf_url = "file://{out / "ocsf"}"' if options.ocsf else ""}

[logging]
level = "warning"

[[sources]]
id = "gws-login"
kind = "google_reports"
application = "login"
start = "{start}"
window = "{format_duration(options.window)}"
settle = "1m"
api_endpoint = "{api_url}"
credentials = "anonymous"
page_size = {options.page_size}
late_horizon = "1m"
"""


def run_demo(options: DemoOptions) -> int:
    from logpull.simulator import ReportsSimulator, SimulatorSettings

    use_dummy_credentials()
    out = _out_dir(options.out)
    now = utcnow()
    end = align_down(now - timedelta(hours=1), now.replace(year=2000), options.window)
    start = end - timedelta(days=options.days)
    start = align_down(start, now.replace(year=2000), options.window)
    click.echo(f"logpull demo: {options.events:,} events over {options.days:g} days, "
               f"{options.workers} workers, output in {out}", err=True)
    sim = ReportsSimulator(SimulatorSettings(
        seed=options.seed, events=options.events, start=start, end=end,
        page_latency=options.page_latency, fault_rate=options.fault_rate, retry_after=0.2,
    ))
    emulator = start_emulator()
    try:
        api_url = sim.start()
        config_path = out / "logpull-demo.toml"
        config_path.write_text(_config_text(emulator.url, api_url, out, options, format_instant(start)))
        settings = load_settings(config_path)
        configure_logging(settings.logging.level, settings.logging.format)
        ensure_queues(client("sqs", settings.aws), settings)
        ensure_table(client("dynamodb", settings.aws), settings)
        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name,
                             settings.aws.dlq_name, settings.aws.backfill_queue)
        began = time.monotonic()
        local = LocalRun(settings, store, queue, workers=options.workers, published=published_in_sink(settings))
        pool = WorkerPool(spawn_subprocess(str(config_path), terminal=sys.stderr.isatty()), options.workers)
        with ProgressDisplay("logpull demo", structured=False) as display:  # its logs print above it
            progress = local.until_caught_up(pool, display)
        seconds = time.monotonic() - began
        result = compare_sink(sim.ground_truth(), str(out / "sink"))
        ocsf = count_ocsf(settings, out / "sink", out / "ocsf") if options.ocsf else None
        stats = sim.stats()
        late = sum(ledger(s, list(store.list_windows(s.id))).late_events for s in settings.sources)
    finally:
        sim.stop()
        emulator.stop()
    outcome = DemoOutcome(
        expected=result.expected, committed=result.committed, missing=result.missing,
        duplicates=result.duplicates, unexpected=result.unexpected, altered=result.altered,
        windows_done=progress.windows_done, windows_failed=progress.windows_failed, pages=progress.pages,
        continuations=progress.continuations,
        first_pages_reread=sum(max(0, q["count"] - 1) for q in stats["first_page_requests"]),
        late_events=late, worker_restarts=pool.restarts, seconds=seconds, sink=str(out / "sink"),
        faults=dict(stats["faults"]), ocsf=ocsf,
    )
    print_closing_table(outcome)
    return 0 if outcome.exact and not progress.windows_failed else 1
