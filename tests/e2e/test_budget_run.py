"""`logpull run` with 4 workers against an API that enforces a per-minute quota: every
request takes a token of the shared budget (Google: `requests_per_minute`; Okta: its own
X-Rate-Limit-* headers), and nothing is lost or read twice. (Runs past the quota within
a minute are the benchmark's: tests/integration/test_budget.py proves the rate bound on
a deterministic clock.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.aws.budget_store import DynamoBudgetStore
from shared.aws.clients import client
from shared.verify import compare
from worker.budget import budget_key
from tests_e2e_helpers import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.engines]  # engines: also on a DynamoDB engine
START = datetime(2026, 11, 1, tzinfo=UTC)


def test_four_workers_stay_under_the_api_quota(make_stack: Callable[..., Any], api: Any) -> None:
    quota = {"quota_per_minute": 120} if api.kind == "google_reports" else {"rate_limit": 120}
    sim = api.start(events=2000, seed=5, start=START, end=START + timedelta(days=1), **quota)
    budget = {"requests_per_minute": 120} if api.kind == "google_reports" else {}  # Okta paces by its headers
    stack = make_stack(sim.url, source=api.source(end="2026-11-02T00:00:00Z", window="6h", page_size=100, **budget))
    result = run_cli("run", "-c", str(stack.config_path), "--workers", "4", "--until-caught-up")
    assert result.returncode == 0, result.stderr[-3000:]

    comparison = compare(sim.ground_truth(), stack.committed(), api.kind)
    assert comparison.expected == 2000
    assert (comparison.missing, comparison.duplicates, comparison.unexpected, comparison.altered) == (0, 0, 0, 0)
    stats = sim.stats()
    assert stats["requests"] >= 20
    assert stats["quota_refusals"] <= 0.02 * stats["requests"], stats
    # every request took a token of the shared budget (the API's own limit learned, for Okta)
    source = stack.settings.sources[0]
    budget = DynamoBudgetStore(client("dynamodb", stack.settings.aws), stack.settings.aws.table_name)
    state = budget.read(budget_key(source) or "")
    assert state.used[source.id] >= stats["requests"]
    if api.kind == "okta_system_log":
        assert state.limit == 120
