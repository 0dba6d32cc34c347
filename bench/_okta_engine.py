"""The generic http engine beside the hand-written Okta module (issue #22's speed bar).

The same workload through both: one Okta System Log simulator (same seed, events,
latency), one moto server, a file sink; ``kind = "okta_system_log"`` and the
``kind = "http"`` block of ``examples/okta-as-http.toml``. Each run is one worker in
this process (``worker.loop.work`` until the queue is empty, after one orchestrator
tick); its wall time gives events/s and its process CPU time (every thread of the
worker: pager, stager, committer) the CPU seconds per 1,000 events. The simulator and
moto run in processes of their own, so their CPU is not counted.

Runs are ordered module, engine, engine, module (ABBA) so that a drift of the shared
machine's speed falls on both alike; each block of four gives the ratios engine/module
(CPU per event, events/s) and the median of each is reported, beside the figures of all
runs pooled.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from bench._services import moto_server, simulator, write_named_config

ROOT = Path(__file__).resolve().parents[1]
SPEC_FILE = ROOT / "examples" / "okta-as-http.toml"
TOKEN = "00benchmark-okta-token"  # noqa: S105 - the simulator's, no secret
WINDOW, PAGE_SIZE = "1h", 1000
KINDS = ("module", "engine")


def spec_tables(path: Path = SPEC_FILE) -> str:
    """The ``[sources.*]`` tables of the example block (its spec), without its common keys."""
    text = path.read_text()
    return text[text.index("\n[sources.") + 1:]


def _config(workdir: Path, aws_url: str, api_url: str, which: str, days: float) -> Path:
    name = f"o{uuid.uuid4().hex[:8]}"
    token = workdir / f"{name}.token"
    token.write_text(TOKEN)
    kind = "okta_system_log" if which == "module" else "http"
    source = f'id = "okta"\nkind = "{kind}"\ncredentials = "file:{token}"'
    return write_named_config(workdir, name, aws_url, api_url, WINDOW, days, PAGE_SIZE, source,
                              {"receive_wait": "0s", "idle_polls": "1"},
                              spec_tables() if which == "engine" else "")


def one_run(workdir: Path, aws_url: str, api_url: str, which: str,
            days: float) -> dict[str, float]:
    """One worker reading every window of the workload: wall and CPU seconds, events."""
    from orchestrator.tick import Orchestrator
    from shared.aws.clients import client
    from shared.aws.provision import ensure_queues, ensure_table
    from shared.config import load_settings
    from shared.heap import freeze_long_lived
    from shared.log import configure_logging
    from worker.context import WorkerContext
    from worker.loop import work

    settings = load_settings(_config(workdir, aws_url, api_url, which, days))
    configure_logging("warning", "json")
    ensure_queues(client("sqs", settings.aws), settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    ctx = WorkerContext.from_settings(settings)
    Orchestrator(settings, ctx.store, ctx.queue).tick()
    ctx.source("okta")  # the source is built (and its paths compiled) before the clock starts
    freeze_long_lived()
    wall, cpu = time.perf_counter(), time.process_time()
    work(ctx, until_idle=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    events = sum(w.events for w in ctx.store.list_windows("okta"))
    return {"wall_s": wall, "cpu_s": cpu, "events": events}


def _rates(runs: list[dict[str, float]]) -> tuple[float, float]:
    """Events/s and CPU seconds per 1,000 events of ``runs`` pooled."""
    events = sum(r["events"] for r in runs)
    wall, cpu = sum(r["wall_s"] for r in runs), sum(r["cpu_s"] for r in runs)
    return events / wall, 1000 * cpu / events


def _figures(runs: list[dict[str, float]]) -> dict[str, float]:
    speed, cpu = _rates(runs)
    return {"events_per_s": round(speed), "cpu_s_per_1000_events": round(cpu, 4)}


def at_latency(workdir: Path, events: int, days: float, blocks: int,
               page_latency: float) -> dict[str, Any]:
    blocks_runs: list[dict[str, list[dict[str, float]]]] = []
    with simulator(events, days, page_latency, 1, "--api", "okta", "--token", TOKEN) as api_url:
        for _ in range(blocks):
            runs: dict[str, list[dict[str, float]]] = {k: [] for k in KINDS}
            with moto_server() as aws_url:
                for which in ("module", "engine", "engine", "module"):
                    runs[which].append(one_run(workdir, aws_url, api_url, which, days))
            if {r["events"] for rs in runs.values() for r in rs} != {runs["module"][0]["events"]}:
                raise RuntimeError(f"the engine and the module committed different counts: {runs}")
            blocks_runs.append(runs)
    every = {k: [r for runs in blocks_runs for r in runs[k]] for k in KINDS}
    ratios = [_ratios(runs) for runs in blocks_runs]
    middle = len(ratios) // 2
    cpu_ratios, speed_ratios = sorted(r[0] for r in ratios), sorted(r[1] for r in ratios)
    return {"page_latency_s": page_latency, "events": int(every["module"][0]["events"]),
            "module": _figures(every["module"]), "engine": _figures(every["engine"]),
            "cpu_ratio": cpu_ratios[middle], "speed_ratio": speed_ratios[middle],
            "cpu_ratios": [r[0] for r in ratios], "speed_ratios": [r[1] for r in ratios]}


def _ratios(runs: dict[str, list[dict[str, float]]]) -> tuple[float, float]:
    """Engine / module: CPU per event (lower is better) and events/s (higher is better)."""
    module_speed, module_cpu = _rates(runs["module"])
    engine_speed, engine_cpu = _rates(runs["engine"])
    return round(engine_cpu / module_cpu, 3), round(engine_speed / module_speed, 3)


def okta_engine(workdir: Path, events: int, days: float, blocks: int,
                events_at_50ms: int) -> dict[str, Any]:
    """Engine vs module: an instant API and one at 50 ms a page (``days`` of 1-hour
    windows, 1,000-item pages)."""
    return {"instant": at_latency(workdir, events, days, blocks, 0.0),
            "at_50ms": at_latency(workdir, events_at_50ms, days, blocks, 0.05)}
