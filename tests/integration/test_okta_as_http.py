"""The Okta System Log as a ``kind = "http"`` block (``examples/okta-as-http.toml``) reads
the Okta simulator exactly as the hand-written ``okta_system_log`` module does: as many
pages, and for the same simulator seed the same sink content, line for line (what
``python -m bench`` times side by side; this checks what it times is the same work)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import config_text, write_config

from orchestrator.tick import Orchestrator
from shared.aws.clients import client
from shared.aws.provision import ensure_queues, ensure_table
from shared.config import load_settings
from shared.sink_reader import iter_committed_files
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "okta-as-http.toml"
TOKEN = "00okta-as-http-token"  # noqa: S105 - the simulator's, no secret
WINDOWS, EVENTS = 6, 3000  # 1-hour windows, events in them


def spec_tables() -> str:
    text = EXAMPLE.read_text()
    return text[text.index("\n[sources.") + 1:]


def read_with(
    kind: str, aws_endpoint: str, api_url: str, tmp_path: Path
) -> tuple[dict[str, list[bytes]], int]:
    """Every window of 6 hours read by one worker with ``kind``: the committed lines of
    each window, in order, and the pages read."""
    name = f"t{uuid.uuid4().hex[:10]}"
    token = tmp_path / f"{name}.token"
    token.write_text(TOKEN + "\n")
    root = tmp_path / f"sink-{name}"
    text = config_text(aws_endpoint, api_url, f"file://{root}", name,
                       source={"id": "okta", "kind": kind, "application": None,
                               "credentials": f"file:{token}", "end": "2026-11-01T06:00:00Z",
                               "page_size": 200},
                       worker={"receive_wait": "0s", "idle_polls": 1})
    settings = load_settings(write_config(tmp_path / f"{name}.toml",
                                          text + (spec_tables() if kind == "http" else "")))
    ensure_queues(client("sqs", settings.aws), settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    ctx = WorkerContext.from_settings(settings)
    Orchestrator(settings, ctx.store, ctx.queue).tick()
    work(ctx, until_idle=True)
    windows = list(ctx.store.list_windows("okta"))
    assert len(windows) == WINDOWS and all(w.state == "done" for w in windows), windows
    lines: dict[str, list[bytes]] = {}  # by window and pass: its parts in order (how pages are
    for path in iter_committed_files(root):  # grouped into parts depends on timing)
        window = str(path.relative_to(root)).rsplit("_", 1)[0]
        lines.setdefault(window, []).extend(path.read_bytes().splitlines())
    return lines, sum(w.pages for w in windows)


def test_the_spec_and_the_module_commit_the_same_sink_content(
        aws_endpoint: str, okta_simulator: Callable[..., Any], tmp_path: Path) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    sim = okta_simulator(seed=20261205, events=EVENTS, start=start,
                         end=start + timedelta(hours=WINDOWS), token=TOKEN)
    module, module_pages = read_with("okta_system_log", aws_endpoint, sim.url, tmp_path)
    served_to_module = sim.stats()["pages"]
    engine, engine_pages = read_with("http", aws_endpoint, sim.url, tmp_path)
    assert len(module) == WINDOWS and sum(map(len, module.values())) == EVENTS
    assert engine == module
    assert engine_pages == module_pages
    assert sim.stats()["pages"] == 2 * served_to_module  # no page more, none less
