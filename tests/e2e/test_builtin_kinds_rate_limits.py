"""Each kind reads its vendor's own "slow down" answer, as the vendor fake sends it, into
the right wait: GitHub's secondary limit (429, ``retry-after``) and primary limit (403
with ``x-ratelimit-remaining: 0``, until ``x-ratelimit-reset``: the end of the hour),
Slack's and Atlassian's ``Retry-After``, 1Password's bare 429 (no wait said: the
worker's backoff), Zylo's 429 without ``Retry-After`` (until ``X-RateLimit-Reset``, the
end of the minute). The slow ones cannot run through the whole pipeline in the suite
(the run would wait for the hour); here one request each, on the fake's fixed clock."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from kinds_cases import CASES, KindCase

from logpull.simulator.vendors import FAKES
from shared.config import SourceSettings
from shared.errors import RateLimited
from shared.timeutil import from_epoch
from worker.sources.base import Query
from worker.sources.http import HttpSource

pytestmark = pytest.mark.e2e
NOW = 1_793_491_200 + 1830  # 2026-11-01T00:30:30Z on the fakes' clock
CASE = {case.name: case for case in CASES}


def source_for(case: KindCase, url: str, secret: str) -> HttpSource:
    block: dict[str, Any] = {"id": "k", "start": "2026-11-01T00:00:00Z", "api_endpoint": url,
                             "credentials": "file:/unused", **case.keys}  # fmt: skip
    if case.spec:
        block |= tomllib.loads(case.spec.replace("[sources.", "["))
    settings = SourceSettings.model_validate(block).expand()[0]
    return HttpSource(settings, secret)


@pytest.mark.parametrize(
    ("name", "fault", "wait"),
    [
        ("github-org", "429", 1.1),  # retry-after: 1
        ("github-org", "403", 1770.1),  # until the hour's end
        ("slack", "429", 1.1),
        ("onepassword", "429", None),
        ("atlassian", "429", 1.1),
        ("zylo", "429", 30.1),  # until the minute's end
    ],
)
def test_the_vendors_slow_down_answer_is_read_into_its_wait(
    name: str, fault: str, wait: float | None
) -> None:
    case = CASE[name]
    sim_class, settings_class = FAKES[case.fake]
    sim = sim_class(settings_class(token="t0k", events=10, fault_rate=1.0, fault_kinds=(fault,),
                                   retry_after=1.0), clock=lambda: float(NOW))  # fmt: skip
    url = sim.start()
    try:
        api = source_for(case, url, "t0k")
        with pytest.raises(RateLimited) as caught:
            api.fetch(Query(from_epoch(NOW - 3600), from_epoch(NOW - 1800)), None, 10)
    finally:
        sim.stop()
    assert caught.value.delay == (None if wait is None else pytest.approx(wait, abs=0.01))
