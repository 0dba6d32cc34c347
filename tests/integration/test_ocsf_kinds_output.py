"""Normalised output (``[sink] ocsf_url``) of the built-in kinds on the http engine,
each against its vendor fake: GitHub, Slack, 1Password (three streams) and Atlassian.
One schema-valid OCSF object per committed raw event, matched by ``metadata.uid`` (the
kind's identity), the event's own time, ``raw_data`` the event as received; the raw
output exactly the fake's ground truth."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocsf_checks import check_one_per_raw, ocsf_output, validate

from logpull.simulator.vendors import FAKES
from orchestrator.tick import Orchestrator
from worker.context import WorkerContext, build_source
from worker.loop import work

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
EVENTS = 240
TOKEN = "ocsf-kinds-token"
KINDS: dict[str, tuple[str, dict[str, Any], set[int]]] = {
    "github_audit_log": ("github", {"organization": "acme"}, {3001, 3004, 3006}),
    "slack_audit_logs": ("slack", {}, {0, 3001, 3002, 3004, 3006}),
    "onepassword_events": ("onepassword", {"streams": "all"}, {3001, 3002, 3004, 3006, 6003}),
    "atlassian_org_audit": ("atlassian", {"org_id": "0a1b2c3d-acme-org"}, {3001, 3002, 3004, 3006}),
}


@pytest.fixture
def fake() -> Any:
    started: list[Any] = []

    def make(name: str) -> Any:
        simulator, settings = FAKES[name]
        sim = simulator(settings(events=EVENTS, seed=11, start=START, end=START + timedelta(hours=2),
                                 token=TOKEN))  # fmt: skip
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def _plain(item: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in item.items() if k != "_logpull"}, sort_keys=True)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_valid_ocsf_object_per_committed_event(kind: str, fake: Callable[[str], Any],
                                                   make_stack: Callable[..., Any], tmp_path: Path) -> None:
    name, keys, classes = KINDS[kind]
    sim = fake(name)
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n")
    stack = make_stack(sim.url, ocsf=True, source={
        "id": "v", "kind": kind, "application": None, "credentials": f"file:{secret}",
        "end": "2026-11-01T02:00:00Z", "page_size": 50, **keys,
    })  # fmt: skip
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    work(WorkerContext.from_settings(stack.settings), until_idle=True)
    sources = [s.id for s in stack.settings.sources]
    assert all(stack.caught_up(s) for s in sources), sources

    raw = list(stack.committed())
    truth = Counter(json.dumps(e, sort_keys=True) for e in sim.ground_truth())
    assert Counter(_plain(item) for item in raw) == truth and sum(truth.values()) >= EVENTS
    objects = ocsf_output(stack.settings)
    by_source = {s.id: build_source(s, stack.settings) for s in stack.settings.sources}
    for source_id, source in by_source.items():
        mine = [i for i in raw if i["_logpull"]["source"] == source_id]
        uids = {source.identity(i) for i in mine}
        check_one_per_raw(mine, [o for o in objects if o["metadata"]["uid"] in uids],
                          source.identity, source.event_time)  # fmt: skip
    assert len(objects) == len(raw)
    for obj in objects:
        validate(obj)
    assert {o["class_uid"] for o in objects} >= classes - {0}
