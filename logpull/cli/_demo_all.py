"""``logpull demo --sources all``: every built-in kind's simulator at once (Google,
Okta, GitHub, Slack, 1Password, Atlassian, Microsoft Graph), each with its faults and
late events, on a live timeline of short windows; afterwards each source's sink is
counted against its fake's ground truth (one row per source)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from logpull.cli._demo_all_table import SourceRow, print_sources_table
from logpull.cli._progress import ProgressDisplay
from logpull.cli._running import published_in_sink
from logpull.cli._workers import spawn_subprocess
from orchestrator.ledger import ledger
from orchestrator.local_run import LocalRun, WorkerPool
from shared.aws.clients import client
from shared.aws.emulator import start_emulator, use_dummy_credentials
from shared.aws.provision import ensure_queues, ensure_table
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, load_settings
from shared.log import configure_logging
from shared.sink_reader import iter_committed_items
from shared.timeutil import format_instant, from_epoch
from shared.verify import compare

# seconds: a live timeline of four short windows. A late event shows up 7-10 s after its
# own time, so after its window's first pass (window end + settle) and before its final
# pass (window end + late horizon).
WINDOW, WINDOWS, SETTLE, HORIZON = 5, 4, 1, 11
LATE = {"late_fraction": 0.1, "late_min": 7.0, "late_max": 10.0, "normal_lag_max": 0.5}
TOKEN = "demo-all-token"


@dataclass
class Fake:
    """One source block of the demo: its simulator, its keys and how to read its events."""

    id: str
    label: str
    kind: str
    sim: Any
    keys: str  # TOML lines of the block's own keys
    identity: Callable[[dict[str, Any]], str]

    def truth(self) -> list[dict[str, Any]]:
        return list(self.sim.ground_truth("login") if self.kind == "google_reports" else self.sim.ground_truth())


def _field(*path: str) -> Callable[[dict[str, Any]], str]:
    def identity(item: dict[str, Any]) -> str:
        value: Any = item
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        return str(value)

    return identity


def _fakes(events: int, start: datetime, end: datetime, fault_rate: float, seed: int) -> list[Fake]:
    from logpull.simulator import OktaSimulator, OktaSimulatorSettings, ReportsSimulator, SimulatorSettings
    from logpull.simulator.vendors import FAKES

    common: dict[str, Any] = {"events": events, "start": start, "end": end, "fault_rate": fault_rate, **LATE}

    def vendor(name: str, n: int, **extra: Any) -> Any:
        simulator, settings = FAKES[name]
        return simulator(settings(**{**common, "seed": seed + n, "token": TOKEN, "retry_after": 0.2, **extra}))

    google = ReportsSimulator(SimulatorSettings(**common, seed=seed, retry_after=0.2))
    okta = OktaSimulator(OktaSimulatorSettings(**common, seed=seed + 1, token=TOKEN,
                                               fault_kinds=("500", "503", "truncated", "not_json", "reset")))
    gid = ("id", "applicationName"), ("id", "customerId"), ("id", "time"), ("id", "uniqueQualifier")
    return [
        Fake("gws-login", "Google (login)", "google_reports", google, 'application = "login"',
             lambda i: "|".join(_field(*p)(i) for p in gid)),
        Fake("okta", "Okta", "okta_system_log", okta, 'domain = "example.okta.com"', _field("uuid")),
        Fake("github", "GitHub", "github_audit_log",
             vendor("github", 2, fault_kinds=("429", "500", "502", "503", "reset")),
             'organization = "acme"', _field("_document_id")),
        Fake("slack", "Slack", "slack_audit_logs", vendor("slack", 3), "", _field("id")),
        Fake("1password", "1Password (3)", "onepassword_events", vendor("onepassword", 4),
             'streams = "all"', _field("uuid")),
        Fake("atlassian", "Atlassian", "atlassian_org_audit", vendor("atlassian", 5),
             'org_id = "0a1b2c3d-acme-org"', _field("id")),
        Fake("entra", "Graph (2)", "microsoft_graph_audit",
             vendor("graph", 6, access_token_ttl=10),
             'streams = "all"\ntenant_id = "00000000-0000-0000-0000-00000000c0de"\n'
             'client_id = "11111111-1111-1111-1111-111111111111"\nlogin_endpoint = "{url}"', _field("id")),
    ]  # fmt: skip


def _config(aws_url: str, out: Path, fakes: list[Fake], start: datetime, end: datetime, secret: Path,
            workers: int) -> str:  # fmt: skip
    blocks = []
    for fake in fakes:
        credentials = "anonymous" if fake.kind == "google_reports" else f"file:{secret}"
        blocks.append(f"""
[[sources]]
id = "{fake.id}"
kind = "{fake.kind}"
{fake.keys.replace("{url}", fake.sim.url)}
start = "{format_instant(start)}"
end = "{format_instant(end)}"
window = "{WINDOW}s"
settle = "{SETTLE}s"
late_horizon = "{HORIZON}s"
api_endpoint = "{fake.sim.url}"
credentials = "{credentials}"
page_size = 10
requests_per_minute = 6000
""")
    return f"""# written by `logpull demo --sources all`
[aws]
region = "us-east-1"
endpoint_url = "{aws_url}"
queue_name = "logpull-demo-tasks"
dlq_name = "logpull-demo-tasks-dlq"
table_name = "logpull-demo-state"

[worker]
task_deadline = "2s"
lease = "10s"
receive_wait = "1s"

[sink]
url = "file://{out / 'sink'}"

[logging]
level = "warning"
""" + "".join(blocks)


def _rows(fakes: list[Fake], settings: Settings, store: DynamoStateStore, sink: Path) -> list[SourceRow]:
    rows = []
    for fake in fakes:
        logical = [s for s in settings.sources if s.id == fake.id or s.id.startswith(fake.id + "/")]
        late = sum(ledger(s, list(store.list_windows(s.id))).late_events for s in logical)
        failed = sum(1 for s in logical for w in store.list_windows(s.id) if w.state == "failed")
        committed = list(iter_committed_items(sink / fake.id)) if (sink / fake.id).exists() else []
        result = compare_by(fake.truth(), committed, fake.identity)
        rows.append(SourceRow(fake.label, fake.kind, result.expected, result.committed, result.missing,
                              result.duplicates + result.unexpected + result.altered, late, failed,
                              sum(fake.sim.stats()["faults"].values())))  # fmt: skip
    return rows


def compare_by(truth: list[dict[str, Any]], committed: list[dict[str, Any]],
               identity: Callable[[dict[str, Any]], str]) -> Any:
    return compare(truth, committed, identity=lambda item: (identity(item),))


def _run(settings: Settings, config: Path, store: DynamoStateStore, queue: SqsTaskQueue, workers: int,
         end_s: int) -> int:
    """Live: catch up on what is due, again and again while the windows close; then, once
    every final pass is due (last window end + late horizon), catch up once more. One
    pool of worker processes serves every round. Returns the windows failed."""
    pool = WorkerPool(spawn_subprocess(str(config)), workers)
    pool.start()
    failed = 0
    try:
        with ProgressDisplay("logpull demo --sources all", structured=False) as display:
            for until in (end_s + SETTLE, end_s + HORIZON):
                while True:
                    due = time.time() >= until + 0.5
                    local = LocalRun(settings, store, queue, workers=workers, published=published_in_sink(settings))
                    progress = local.until_caught_up(None, display)
                    pool.keep_alive()
                    if due:
                        failed = progress.windows_failed
                        break
                    time.sleep(0.5)
    finally:
        pool.stop()
    return failed


def run_demo_all(out: Path, events: int, workers: int, fault_rate: float, seed: int) -> int:
    use_dummy_credentials()
    now = time.time()
    start_s = (int(now) // WINDOW + 1) * WINDOW  # live: every window closes during the run
    end_s = start_s + WINDOWS * WINDOW
    start, end = from_epoch(start_s), from_epoch(end_s)
    fakes = _fakes(events, start, end, fault_rate, seed)
    click.echo(f"logpull demo --sources all: {len(fakes)} sources, {events} events each, "
               f"{WINDOWS} live windows of {WINDOW}s, output in {out}", err=True)
    emulator = start_emulator()
    try:
        for fake in fakes:
            fake.sim.start()
        secret = out / "token"
        secret.write_text(TOKEN + "\n")
        config = out / "logpull-demo.toml"
        config.write_text(_config(emulator.url, out, fakes, start, end, secret, workers))
        settings = load_settings(config)
        configure_logging(settings.logging.level, settings.logging.format)
        ensure_queues(client("sqs", settings.aws), settings)
        ensure_table(client("dynamodb", settings.aws), settings)
        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name,
                             settings.aws.dlq_name, settings.aws.backfill_queue)  # fmt: skip
        began = time.monotonic()
        failed = _run(settings, config, store, queue, workers, end_s)
        seconds = time.monotonic() - began
        rows = _rows(fakes, settings, store, out / "sink")
    finally:
        for fake in fakes:
            fake.sim.stop()
        emulator.stop()
    exact = print_sources_table(rows, seconds, str(out / "sink"))
    return 0 if exact and not failed else 1
