"""The services a benchmark run needs, each in its own process (so that the emulator's
and the simulator's CPU does not share a GIL with what is measured)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


@contextmanager
def process(args: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    with process([PY, "-c", "from moto.server import main; main()", "-H", "127.0.0.1", "-p", str(port)], port):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def simulator(events: int, days: float, page_latency: float = 0.0, seed: int = 1,
              *extra: str) -> Iterator[str]:
    """``logpull simulate`` (the Reports API, or ``extra`` options such as ``--api okta``)."""
    port = free_port()
    args = [PY, "-m", "logpull.cli", "simulate", "--port", str(port), "--events", str(events),
            "--days", str(days), "--seed", str(seed), "--page-latency", str(page_latency), *extra]
    with process(args, port):
        yield f"http://127.0.0.1:{port}"


def sim_stats(api_url: str) -> dict[str, Any]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{api_url}/_sim/stats", timeout=30) as response:  # noqa: S310 - loopback
        result: dict[str, Any] = json.loads(response.read())
    return result


def write_config(directory: Path, aws_url: str, api_url: str, window: str, days: float,
                 page_size: int = 1000, **worker: str) -> Path:
    return write_named_config(directory, f"b{uuid.uuid4().hex[:8]}", aws_url, api_url, window, days, page_size,
                              'id = "gws-login"', worker)


def write_named_config(directory: Path, name: str, aws_url: str, api_url: str, window: str, days: float,
                       page_size: int, source: str, worker: dict[str, str], tables: str = "") -> Path:
    """A config of one source (``source``: its id, kind and other lines; ``tables``: its
    sub-tables, such as an http spec's) named ``name`` (its queues, table and sink),
    reading ``days`` from 2026-11-01."""
    worker_lines = "\n".join(f'{k} = "{v}"' for k, v in worker.items())
    end_day = 1 + days
    end = f"2026-11-{int(end_day):02d}T{int((end_day % 1) * 24):02d}:00:00Z"
    path = directory / f"{name}.toml"
    path.write_text(f"""
[aws]
endpoint_url = "{aws_url}"
queue_name = "{name}-tasks"
dlq_name = "{name}-dlq"
table_name = "{name}-state"

[worker]
{worker_lines}

[sink]
url = "file://{directory / name}"

[logging]
level = "warning"
format = "json"

[[sources]]
{source}
start = "2026-11-01T00:00:00Z"
end = "{end}"
window = "{window}"
settle = "1m"
api_endpoint = "{api_url}"
page_size = {page_size}
late_horizon = "1m"
{tables}""")
    return path


def logpull(*args: str, timeout: float = 1800) -> float:
    """Run ``logpull ARGS``; its wall time in seconds (raises if it fails)."""
    began = time.perf_counter()
    result = subprocess.run([PY, "-m", "logpull.cli", *args], capture_output=True, text=True,
                            timeout=timeout, check=False, env={**os.environ})
    if result.returncode != 0:
        raise RuntimeError(f"logpull {' '.join(args)} failed: {result.stderr[-2000:]}")
    return time.perf_counter() - began
