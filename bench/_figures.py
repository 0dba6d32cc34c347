"""The five figures. Each returns a dict of numbers; __main__ prints and saves them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._services import PY, logpull, moto_server, sim_stats, simulator, write_config
from shared.config import load_settings

START = datetime(2026, 11, 1, tzinfo=UTC)


def bare_read(api_url: str, days: float, window: timedelta, page_size: int) -> tuple[float, int, int]:
    """google-api-python-client reading the same windows, discarding the pages."""
    from google.auth.credentials import AnonymousCredentials
    from googleapiclient.discovery import build

    service = build("admin", "reports_v1", static_discovery=True, credentials=AnonymousCredentials(),
                    client_options={"api_endpoint": api_url}, cache_discovery=False)
    began = time.perf_counter()
    events = pages = 0
    start = START
    while start < START + timedelta(days=days):
        token = None
        while True:
            params: dict[str, Any] = {"userKey": "all", "applicationName": "login", "maxResults": page_size,
                                      "startTime": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                      "endTime": (start + window).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
            if token:
                params["pageToken"] = token
            body = service.activities().list(**params).execute()
            events += len(body.get("items", []))
            pages += 1
            token = body.get("nextPageToken")
            if not token:
                break
        start += window
    return time.perf_counter() - began, events, pages


def pipeline(workdir: Path, aws_url: str, api_url: str, window: str, days: float, workers: int,
             page_size: int = 1000, **worker: str) -> tuple[float, float]:
    """`logpull init`, then `logpull run --until-caught-up --workers N` end to end (its
    start-up, orchestrator, queue, state, workers, sink); the wall time of each."""
    config = write_config(workdir, aws_url, api_url, window, days, page_size, **worker)
    init_s = logpull("init", "-c", str(config))
    return logpull("run", "-c", str(config), "--workers", str(workers), "--until-caught-up"), init_s


def ceiling(workdir: Path, events: int, page_latency: float = 0.0, repeats: int = 1) -> dict[str, Any]:
    """Bare loop vs pipeline, ``repeats`` times side by side (a fresh moto server each
    time); the pair with the median ratio is reported, every ratio is listed."""
    days, window = 2.0, timedelta(hours=1)
    pairs = []
    with simulator(events, days, page_latency=page_latency) as api_url:
        for _ in range(repeats):
            with moto_server() as aws_url:
                bare_s, bare_events, pages = bare_read(api_url, days, window, 1000)
                pipe_s, init_s = pipeline(workdir, aws_url, api_url, "1h", days, 1)
            pairs.append((bare_s / pipe_s, bare_s, pipe_s, init_s))
    ratio, bare_s, pipe_s, init_s = sorted(pairs)[len(pairs) // 2]
    return {"page_latency_s": page_latency, "events": bare_events, "pages": pages, "bare_s": round(bare_s, 2),
            "pipeline_s": round(pipe_s, 2), "init_s": round(init_s, 2), "bare_events_per_s": round(bare_events / bare_s),
            "pipeline_events_per_s": round(bare_events / pipe_s), "ratio": round(ratio, 3),
            "ratio_with_init": round(bare_s / (pipe_s + init_s), 3), "ratios": [round(p[0], 3) for p in pairs]}


def scaling(workdir: Path, windows: int, pages_per_window: int, workers: list[int]) -> dict[str, Any]:
    days = windows * 15 / (24 * 60)  # 15-minute windows
    events = windows * (pages_per_window * 100 - 50)  # page_size 100: that many pages per window
    times: dict[str, float] = {}
    with simulator(events, days, page_latency=0.2) as api_url:
        for count in workers:
            with moto_server() as aws_url:  # each run starts from the same empty emulator
                seconds, _ = pipeline(workdir, aws_url, api_url, "15m", days, count, page_size=100)
            times[str(count)] = round(seconds, 2)
    base = times[str(workers[0])]
    return {"windows": windows, "pages": windows * pages_per_window, "page_latency_s": 0.2, "seconds": times,
            "speedup": {k: round(base / v, 2) for k, v in times.items()}}


def aws_requests(workdir: Path, events: int) -> dict[str, Any]:
    """All AWS requests of orchestrator + worker, counted with a botocore event hook."""
    from orchestrator.tick import Orchestrator
    from shared.aws.clients import _session, client
    from shared.aws.provision import ensure_queues, ensure_table
    from shared.log import configure_logging
    from worker.context import WorkerContext
    from worker.loop import work

    days = 2.0
    with moto_server() as aws_url, simulator(events, days) as api_url:
        config = write_config(workdir, aws_url, api_url, "2h", days, 1000, receive_wait="0s", idle_polls="1")
        settings = load_settings(config)
        configure_logging("warning", "json")
        ensure_queues(client("sqs", settings.aws), settings)
        ensure_table(client("dynamodb", settings.aws), settings)
        counted: dict[str, int] = {}

        def count(**kwargs: Any) -> None:
            name = str(kwargs.get("event_name", "")).split(".")[-1]
            counted[name] = counted.get(name, 0) + 1

        _session(settings.aws.region).events.register("before-send", count)
        ctx = WorkerContext.from_settings(settings)
        Orchestrator(settings, ctx.store, ctx.queue).tick()
        work(ctx, until_idle=True)
        Orchestrator(settings, ctx.store, ctx.queue).tick()
        _session(settings.aws.region).events.unregister("before-send", count)
        committed = sum(w.events for w in ctx.store.list_windows("gws-login"))
    total = sum(counted.values())
    return {"events": committed, "requests": total, "per_1000_events": round(1000 * total / committed, 3),
            "by_operation": dict(sorted(counted.items(), key=lambda kv: -kv[1]))}


def crash_rereads(workdir: Path, kills: int) -> dict[str, Any]:
    """Pages read twice per SIGKILL of a worker in the middle of a long window."""
    pages_needed = 40
    with moto_server() as aws_url, simulator(pages_needed * 1000 - 10, 1 / 24, page_latency=0.05) as api_url:
        config = write_config(workdir, aws_url, api_url, "1h", 1 / 24, 1000, lease="2s", receive_wait="1s")
        logpull("init", "-c", str(config))
        logpull("orchestrate", "-c", str(config), "--once")
        settings = load_settings(config)
        from shared.aws.clients import client
        from shared.aws.state_store import DynamoStateStore

        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        done_kills = 0
        last = 0
        while done_kills < kills:
            worker = subprocess.Popen([PY, "-m", "logpull.cli", "work", "-c", str(config)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while True:
                time.sleep(0.05)
                window = next(iter(store.list_windows("gws-login")))
                if window.state == "done" or window.pages >= last + 3:
                    break
            if window.state == "done":
                worker.terminate()
                worker.wait()
                break
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            done_kills += 1
            last = window.pages
        logpull("work", "-c", str(config), "--until-idle")
        served = sim_stats(api_url)["pages"]
        window = next(iter(store.list_windows("gws-login")))
    rereads = served - window.pages
    return {"kills": done_kills, "pages_needed": window.pages, "pages_served": served,
            "pages_reread": rereads, "reread_per_kill": round(rereads / max(1, done_kills), 2)}


def memory(workdir: Path, small: int) -> dict[str, Any]:
    """A worker's peak RSS reading one window of N and of 10N events."""
    result: dict[str, Any] = {}
    for events in (small, small * 10):
        with moto_server() as aws_url, simulator(events, 1 / 24) as api_url:
            config = write_config(workdir, aws_url, api_url, "1h", 1 / 24, 1000, task_deadline="3600s",
                                  receive_wait="0s", idle_polls="1")
            logpull("init", "-c", str(config))
            logpull("orchestrate", "-c", str(config), "--once")
            out = subprocess.run([PY, "-m", "bench._rss_worker", str(config)], capture_output=True, text=True,
                                 check=True, timeout=1800)
            result[str(events)] = int(out.stdout.strip().splitlines()[-1])
    low, high = result[str(small)], result[str(small * 10)]
    return {"peak_rss_kib": result, "growth": round(high / low, 3)}


def python_version() -> str:
    return sys.version.split()[0]
