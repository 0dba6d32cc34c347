"""One google_reports block with five applications: five logical sources ``gws/<app>``,
each read exactly once into its own part of the sink, each in `status --json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.sink_reader import iter_committed_items
from shared.models import SourceFailure, SourceMeta
from shared.verify import compare
from tests_e2e_helpers import run_cli

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)
APPS = ("login", "admin", "drive", "token", "saml")


@pytest.mark.parametrize("sink", ["file", "s3"])
def test_one_block_five_applications_each_exactly_once(make_stack: Callable[..., Any],
                                                       simulator: Callable[..., Any], sink: str) -> None:
    sim = simulator(events=3_000, seed=15, start=START, end=START + timedelta(hours=6), applications=APPS)
    stack = make_stack(sim.url, sink=sink, source={
        "id": "gws", "application": None, "applications": list(APPS), "end": "2026-11-01T06:00:00Z",
        "page_size": 50,
    })
    assert [s.id for s in stack.settings.sources] == [f"gws/{app}" for app in APPS]
    result = run_cli("run", "-c", str(stack.config_path), "--workers", "2", "--until-caught-up")
    assert result.returncode == 0, result.stderr[-3000:]

    everything = compare(sim.ground_truth(), stack.committed())
    assert everything.expected == 3_000
    assert (everything.missing, everything.duplicates, everything.unexpected, everything.altered) == (0, 0, 0, 0)
    for app in APPS:
        truth = sim.ground_truth(app)
        assert truth, f"the simulator made no {app} events: the test proves nothing for it"
        under = [item for item in stack.committed() if item["_logpull"]["source"] == f"gws/{app}"]
        per_app = compare(truth, under)
        assert (per_app.expected, per_app.committed, per_app.missing, per_app.unexpected) == (len(truth),) * 2 + (0, 0)
        if sink == "file":  # the sink path of a logical source is <block>/<application>/...
            assert compare(truth, iter_committed_items(stack.sink_root / "gws" / app)).exact
        assert all(w.state == "done" for w in stack.store.list_windows(f"gws/{app}"))
    assert not list(stack.store.list_windows("gws"))

    report = json.loads(run_cli("status", "-c", str(stack.config_path), "--json").stdout)
    assert sorted(report["sources"]) == sorted(f"gws/{app}" for app in APPS)
    for app in APPS:
        assert report["sources"][f"gws/{app}"]["complete_until"] == "2026-11-01T06:00:00.000Z"
    table = run_cli("status", "-c", str(stack.config_path))
    assert table.returncode == 0 and all(f"gws/{app}:" in table.stdout for app in APPS), table.stdout
    listed = run_cli("dlq", "list", "-c", str(stack.config_path), "--json")
    assert listed.returncode == 0 and listed.stdout == "", listed.stderr[-2000:]
    checked = run_cli("check", "-c", str(stack.config_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr[-2000:]
    assert all(f"ok   source gws/{app} (google_reports)" in checked.stdout for app in APPS), checked.stdout


def test_source_reset_takes_a_block_id_or_one_application(make_stack: Callable[..., Any]) -> None:
    stack = make_stack(source={"id": "gws", "application": None, "applications": ["login", "drive", "token"]})
    for app in ("login", "drive", "token"):
        stack.store.record_windows(None, SourceMeta(f"gws/{app}", START, START), [])
        assert stack.store.mark_source_failed(f"gws/{app}", SourceFailure("http_401", "refused", "anonymous", 1.0))
    one = run_cli("source", "reset", "gws/token", "-c", str(stack.config_path))
    assert one.returncode == 0 and json.loads(one.stdout)["cleared"] == ["gws/token"], one.stderr[-2000:]
    block = run_cli("source", "reset", "gws", "-c", str(stack.config_path))
    assert block.returncode == 0 and json.loads(block.stdout)["cleared"] == ["gws/drive", "gws/login"], block.stderr
    unknown = run_cli("source", "reset", "gws/saml", "-c", str(stack.config_path))
    assert unknown.returncode == 2 and "no source gws/saml in the config" in unknown.stderr
    assert "Traceback" not in unknown.stderr
