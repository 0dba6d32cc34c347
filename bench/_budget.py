"""The request-budget figures: a quota-bound backfill (workers sharing a budget of R per
minute against an API that refuses beyond R per clock minute), Okta pacing by its own
headers (429s per 1,000 requests), and what the budget adds to AWS requests."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._services import PY, free_port, logpull, moto_server, process, sim_stats, write_named_config

TOKEN = "00benchmark-okta-token"


@contextmanager
def api(kind: str, events: int, days: float, limit: int) -> Iterator[str]:
    """A simulator in its own process that enforces ``limit`` requests per clock minute."""
    port = free_port()
    args = [PY, "-m", "logpull.cli", "simulate", "--port", str(port), "--events", str(events), "--days", str(days)]
    args += ["--api", "okta", "--token", TOKEN, "--rate-limit", str(limit)] if kind == "okta" else \
        ["--quota-per-minute", str(limit)]
    with process(args, port):
        yield f"http://127.0.0.1:{port}"


def config(directory: Path, aws_url: str, api_url: str, kind: str, days: float, page_size: int,
           budget: int | None, **worker: str) -> Path:
    name = f"q{uuid.uuid4().hex[:8]}"
    if kind == "okta":
        token = directory / f"{name}.token"
        token.write_text(TOKEN)
        source = f'kind = "okta_system_log"\ncredentials = "file:{token}"'
    else:
        source = 'kind = "google_reports"'
    if budget:
        source += f"\nrequests_per_minute = {budget}"
    return write_named_config(directory, name, aws_url, api_url, "1h", days, page_size, 'id = "src"\n' + source,
                              worker)


def quota_backfill(workdir: Path, pages: int, per_minute: int, workers: int) -> dict[str, Any]:
    """``workers`` workers sharing ``requests_per_minute = R`` read N pages from an API
    that refuses beyond R per clock minute: the run's time vs N / R minutes."""
    days, page_size = 1.0, 100
    events = pages * page_size - 24 * page_size // 2  # 24 windows: about half a page short each
    with moto_server() as aws_url, api("google", events, days, per_minute) as api_url:
        path = config(workdir, aws_url, api_url, "google", days, page_size, per_minute)
        logpull("init", "-c", str(path))
        seconds = logpull("run", "-c", str(path), "--workers", str(workers), "--until-caught-up")
        stats = sim_stats(api_url)
    answered = stats["requests"] - stats["quota_refusals"]
    limit_s = 60 * answered / per_minute
    return {"workers": workers, "per_minute": per_minute, "pages": stats["pages"], "requests": stats["requests"],
            "refused": stats["quota_refusals"], "refused_pct": round(100 * stats["quota_refusals"] / stats["requests"], 2),
            "seconds": round(seconds, 1), "quota_limit_s": round(limit_s, 1), "ratio": round(seconds / limit_s, 3)}


def okta_pacing(workdir: Path, pages: int, rate_limit: int, workers: int) -> dict[str, Any]:
    """``workers`` workers against an Okta org of ``rate_limit`` requests per minute,
    with no budget configured: they pace by Okta's headers. 429s per 1,000 requests."""
    days, page_size = 1.0, 100
    events = max(page_size, (pages - 24) * page_size)  # 24 windows: each ends with a page of its own
    with moto_server() as aws_url, api("okta", events, days, rate_limit) as api_url:
        path = config(workdir, aws_url, api_url, "okta", days, page_size, None)
        logpull("init", "-c", str(path))
        seconds = logpull("run", "-c", str(path), "--workers", str(workers), "--until-caught-up")
        stats = sim_stats(api_url)
    requests = stats["requests"]
    return {"workers": workers, "rate_limit": rate_limit, "requests": requests, "http_429": stats["quota_refusals"],
            "per_1000_requests": round(1000 * stats["quota_refusals"] / requests, 2), "seconds": round(seconds, 1),
            "events": stats["items_served"]}


def aws_overhead(workdir: Path, pages: int, per_minute: int, workers: int) -> dict[str, Any]:
    """AWS requests per 1,000 events of ``workers`` in-process workers (threads, each its
    own context as a process would have) reading under a binding budget, vs the same
    without one (botocore's before-send hook counts them)."""
    result: dict[str, Any] = {}
    for label, budget in (("without", None), ("with", per_minute)):
        result[label] = _count_requests(workdir, pages, budget, workers)
    extra = result["with"]["per_1000_events"] - result["without"]["per_1000_events"]
    return {**result, "added_per_1000_events": round(extra, 3), "per_minute": per_minute, "workers": workers}


def _count_requests(workdir: Path, pages: int, budget: int | None, workers: int) -> dict[str, Any]:
    from orchestrator.tick import Orchestrator
    from shared.aws.clients import _session, client
    from shared.aws.provision import ensure_queues, ensure_table
    from shared.config import load_settings
    from shared.log import configure_logging
    from worker.context import WorkerContext
    from worker.loop import work

    days, page_size = 1.0, 1000
    with moto_server() as aws_url, api("google", pages * page_size - 12_000, days, 100_000) as api_url:
        path = config(workdir, aws_url, api_url, "google", days, page_size, budget, receive_wait="0s", idle_polls="1")
        settings = load_settings(path)
        configure_logging("warning", "json")
        ensure_queues(client("sqs", settings.aws), settings)
        ensure_table(client("dynamodb", settings.aws), settings)
        counted = [0]
        lock = threading.Lock()

        def count(**_kwargs: Any) -> None:
            with lock:
                counted[0] += 1

        _session(settings.aws.region).events.register("before-send", count)
        contexts = [WorkerContext.from_settings(settings) for _ in range(workers)]
        Orchestrator(settings, contexts[0].store, contexts[0].queue).tick()
        began = time.perf_counter()
        threads = [threading.Thread(target=work, args=(ctx,), kwargs={"until_idle": True}) for ctx in contexts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        _session(settings.aws.region).events.unregister("before-send", count)
        committed = sum(w.events for w in contexts[0].store.list_windows("src"))
        takes = sum(gate.takes for ctx in contexts for gate in ctx._gates.values() if gate is not None)
    return {"events": committed, "requests": counted[0], "budget_takes": takes, "seconds": round(seconds, 1),
            "per_1000_events": round(1000 * counted[0] / committed, 3)}
