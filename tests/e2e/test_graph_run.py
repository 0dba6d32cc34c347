"""End to end: ``microsoft_graph_audit`` (both streams) against the Graph fake through
`logpull run --until-caught-up` with 3 workers: access tokens that expire every 3 s,
continuations (1 s task deadline), short and empty pages that keep their next link,
5 % faults (429 with a fractional Retry-After, 503, 504, resets). The sink is compared
with the fake's ground truth event by event; the client secret is in no log line and
no sink object. Then a live timeline whose late events only the final passes find."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import config_text, write_config
from tests_e2e_helpers import log_lines, run_cli

from logpull.simulator.vendors import GraphAuditLogs, GraphSettings
from shared.aws.clients import client
from shared.aws.provision import ensure_queues, ensure_table
from shared.config import load_settings
from shared.sink_reader import iter_committed_items
from shared.timeutil import format_instant, from_epoch, parse_instant

pytestmark = pytest.mark.e2e
SECRET = "Zq8~graph.client-secret_value-42"
TENANT = "00000000-0000-0000-0000-00000000c0de"
CLIENT = "11111111-1111-1111-1111-111111111111"


@pytest.fixture
def graph_fake(request: pytest.FixtureRequest) -> Iterator[Any]:
    built: list[GraphAuditLogs] = []

    def make(**settings: Any) -> GraphAuditLogs:
        sim = GraphAuditLogs(GraphSettings(token=SECRET, tenant_id=TENANT, client_id=CLIENT,
                                           **settings))  # fmt: skip
        sim.start()
        built.append(sim)
        return sim

    yield make
    for sim in built:
        sim.stop()


def stack(aws_endpoint: str, url: str, tmp_path: Path, **source: Any) -> tuple[Path, Path]:
    name = f"t{uuid.uuid4().hex[:10]}"
    root = tmp_path / f"sink-{name}"
    secret = tmp_path / f"{name}-secret"
    secret.write_text(SECRET + "\n")
    text = config_text(aws_endpoint, url, f"file://{root}", name, source={
        "id": "entra", "kind": "microsoft_graph_audit", "application": None,
        "tenant_id": TENANT, "client_id": CLIENT, "login_endpoint": url, "streams": "all",
        "credentials": f"file:{secret}", "requests_per_minute": 6000, **source,
    }, worker={"task_deadline": "1s", "lease": "10s"})  # fmt: skip
    path = write_config(tmp_path / f"{name}.toml", text)
    settings = load_settings(path)
    ensure_queues(client("sqs", settings.aws), settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    return path, root


def committed(root: Path) -> Counter[str]:
    return Counter(json.dumps({k: v for k, v in item.items() if k != "_logpull"}, sort_keys=True)
                   for item in iter_committed_items(root))  # fmt: skip


def truth_of(sim: GraphAuditLogs) -> Counter[str]:
    return Counter(json.dumps(e, sort_keys=True) for e in sim.ground_truth())


def test_graph_both_streams_exactly_once_with_expiring_tokens_and_faults(
    aws_endpoint: str, graph_fake: Any, tmp_path: Path
) -> None:
    start = parse_instant("2026-11-01T00:00:00Z")
    sim = graph_fake(events=2500, seed=5, start=start, end=parse_instant("2026-11-01T06:00:00Z"),
                     access_token_ttl=3, short_page_rate=0.15, page_latency=0.1,
                     fault_rate=0.05, fault_kinds=("429", "503", "504", "reset"),
                     retry_after=0.3)  # fmt: skip
    # ~17 pages of 25 a window at 0.1 s each: no window fits a 1 s task run, whatever the machine
    path, root = stack(aws_endpoint, sim.url, tmp_path, end="2026-11-01T06:00:00Z",
                       page_size=25)  # fmt: skip
    result = run_cli("run", "-c", str(path), "--workers", "3", "--until-caught-up")
    assert result.returncode == 0, result.stderr[-3000:]

    truth, sink = truth_of(sim), committed(root)
    assert sum(truth.values()) == 5000
    assert sink - truth == Counter(), "events in the sink the API never sent, or twice"
    assert truth - sink == Counter(), "events of the API missing from the sink"
    stats = sim.stats()
    assert stats["faults"] and sim.token_requests >= 2
    finished = [line for line in log_lines(result.stderr) if line.get("event") == "task_finished"]
    assert any(line["outcome"] == "continued" for line in finished)
    assert {line["source"] for line in finished} == {"entra/directoryAudits", "entra/signIns"}
    assert SECRET not in result.stderr
    assert all(SECRET not in p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


def test_a_refused_client_fails_the_source_once_with_the_cause(
    aws_endpoint: str, graph_fake: Any, tmp_path: Path
) -> None:
    sim = graph_fake(events=50, start=parse_instant("2026-11-01T00:00:00Z"),
                     end=parse_instant("2026-11-01T02:00:00Z"))  # fmt: skip
    path, _ = stack(aws_endpoint, sim.url, tmp_path, end="2026-11-01T02:00:00Z")
    (tmp_path / "wrong").write_text("not-the-secret")
    text = path.read_text().replace(f"file:{tmp_path}/" + path.stem + "-secret",
                                    f"file:{tmp_path}/wrong")  # fmt: skip
    path.write_text(text)
    began = time.monotonic()
    result = run_cli("run", "-c", str(path), "--workers", "2", "--until-caught-up")
    assert result.returncode != 0 and time.monotonic() - began < 60
    failed = [line for line in log_lines(result.stderr) if line.get("event") == "source_failed"]
    assert 1 <= len(failed) <= 2  # once per stream (each is a source)
    assert "AADSTS7000215" in json.dumps(failed)
    assert "not-the-secret" not in result.stderr


def test_late_events_found_by_the_final_passes(
    aws_endpoint: str, graph_fake: Any, tmp_path: Path
) -> None:
    window, settle, horizon = 30, 3, 25
    end = (int(time.time()) // window + 1) * window
    begin = end - 3 * window
    sim = graph_fake(events=600, seed=9, start=from_epoch(begin), end=from_epoch(end),
                     late_fraction=0.1, late_min=5.0, late_max=20.0, normal_lag_max=1.0,
                     access_token_ttl=20)  # fmt: skip
    path, root = stack(aws_endpoint, sim.url, tmp_path, start=format_instant(from_epoch(begin)),
                       end=format_instant(from_epoch(end)), window=f"{window}s",
                       settle=f"{settle}s", late_horizon=f"{horizon}s", page_size=100)  # fmt: skip
    time.sleep(max(0.0, end + settle + 0.5 - time.time()))
    first = run_cli("run", "-c", str(path), "--workers", "2", "--until-caught-up")
    assert first.returncode == 0, first.stderr[-3000:]
    missing_first = truth_of(sim) - committed(root)
    assert sum(missing_first.values()) > 0, "nothing was late for the first pass"
    time.sleep(max(0.0, end + horizon + 1 - time.time()))
    second = run_cli("run", "-c", str(path), "--workers", "2", "--until-caught-up")
    assert second.returncode == 0, second.stderr[-3000:]
    truth, sink = truth_of(sim), committed(root)
    assert sink == truth
