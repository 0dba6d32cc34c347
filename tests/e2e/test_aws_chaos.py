"""AWS chaos: every call logpull makes goes through a fault proxy (tests/faultproxy.py)
that throttles DynamoDB, answers SQS with 500s and S3 with 503 SlowDown, delays answers,
and loses answers after the write happened, 3 % of requests in all. Meanwhile the API
faults and expires its page tokens, 10 % of events arrive late, workers are SIGKILLed at
random moments and restarted, and one garbage message waits in the queue. The S3 sink's
bucket is versioned, so a key written twice shows it.

Afterwards: every event exactly once, every committed key exactly one version, every
window done in both passes, and the DLQ holds the garbage message alone."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from faultproxy import FaultProxy, Rates
from tests_e2e_helpers import Processes, kill_workers_until, run_cli

from orchestrator.late import needs_final_pass
from shared.aws.clients import client
from shared.aws.dead_letters import DeadLetters
from shared.models import FINAL_PASS, FIRST_PASS
from shared.timeutil import format_instant, from_epoch
from shared.verify import compare

pytestmark = pytest.mark.e2e
WINDOW, WINDOWS, SETTLE, HORIZON = 10, 8, 2, 20
EVENTS = 6_000
DRAIN_SECONDS = 50  # after the last final pass is due


def windows_by_pass(stack: Any) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {FIRST_PASS: [], FINAL_PASS: []}
    for w in stack.store.list_windows("gws-login"):
        found[w.key.pass_no].append(w)
    return found


def all_done(stack: Any, end: int, horizon: Any) -> bool:
    """Every first pass done, every final pass a first pass needs recorded and done, no
    final pass still to come, and every message deleted (a task deletes its message only
    after publishing)."""
    if time.time() < end + HORIZON + 1:
        return False
    found = windows_by_pass(stack)
    firsts, finals = found[FIRST_PASS], {w.key.start: w for w in found[FINAL_PASS]}
    if len(firsts) != WINDOWS or any(w.state != "done" for w in firsts):
        return False
    if any(needs_final_pass(w, horizon) and (w.key.start not in finals or finals[w.key.start].state != "done")
           for w in firsts):
        return False
    counts = stack.queue.counts()
    return counts.visible + counts.in_flight + counts.delayed == 0


def committed(key: str) -> bool:
    return key.endswith((".jsonl", ".jsonl.gz")) and not any(part[:1] in ("_", ".") for part in key.split("/"))


def versions_by_key(stack: Any) -> tuple[Counter[str], list[str]]:
    """Versions of every committed key (CONTRACT.md's committed output: no path component
    starting with ``_`` or ``.``; staging parts and sink probes are private), and the
    committed keys with delete markers."""
    bucket, _, prefix = stack.settings.sink.url.removeprefix("s3://").partition("/")
    s3 = client("s3", stack.settings.aws)
    versions: Counter[str] = Counter()
    deleted: list[str] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for version in page.get("Versions", []):
            if committed(version["Key"]):
                versions[version["Key"]] += 1
        deleted += [m["Key"] for m in page.get("DeleteMarkers", []) if committed(m["Key"])]
    return versions, deleted


def run_under_chaos(stack: Any, procs: Processes, end: int, horizon: Any, rng: random.Random) -> int:
    """Run one orchestrator and 4 workers, SIGKILLing a worker every 1-3 s, until all is
    done or the time is up; the number of kills."""
    # One orchestrator: on a live timeline windows are recorded as they settle, and moto
    # does not isolate concurrent TransactWriteItems (see test_chaos).
    orchestrator = procs.spawn("orchestrate", "--interval", "1s")
    workers = [procs.spawn("work") for _ in range(4)]
    # time.time() bounds the timeline; kill_workers_until counts in monotonic seconds
    budget = end + HORIZON + DRAIN_SECONDS - time.time()
    return kill_workers_until(lambda: all_done(stack, end, horizon), time.monotonic() + budget, procs, workers,
                              [orchestrator], lambda: rng.uniform(1.0, 3.0), rng)


def lost_publishes(proxy: FaultProxy) -> Counter[str]:
    """Committed keys (not staging ones) whose PutObject answer the proxy lost."""
    keys = (unquote(path.split("?")[0].split("/", 2)[-1]) for kind, _, op, path in proxy.journal
            if (kind, op) == ("lose", "PutObject"))
    return Counter(key for key in keys if "/_staging/" not in key and "/_probe/" not in key)


def assert_one_version_per_key(stack: Any, proxy: FaultProxy, kills: int) -> None:
    versions, deleted = versions_by_key(stack)
    assert versions, "nothing was committed"
    lost = lost_publishes(proxy)
    assert lost, "no publish lost its answer: the test would prove less than it says"
    rewritten = sorted(f"{k}: {n} versions, {lost[k]} publish answer(s) lost"
                       for k, n in versions.items() if n != 1)
    assert rewritten == [], (f"{len(rewritten)} of {len(versions)} committed keys were written more than once "
                             f"({sum(lost.values())} publish answers lost, {kills} kills):\n" + "\n".join(rewritten))
    assert deleted == [], f"committed keys were deleted: {deleted}"


@pytest.mark.parametrize("api", ["google_reports"], indirect=True)
def test_aws_chaos(make_stack: Callable[..., Any], api: Any, fault_proxy: FaultProxy, tmp_path: Any) -> None:
    rng = random.Random(20261128)
    began = time.time()
    end = (int(time.time()) // WINDOW + 2) * WINDOW  # 10-20 s from now
    start = end - WINDOWS * WINDOW
    sim = api.start(events=EVENTS, seed=5, start=from_epoch(start), end=from_epoch(end), page_latency=0.05,
                    fault_rate=0.05, retry_after=0.2, token_ttl=4.0,
                    late_fraction=0.10, late_min=4.0, late_max=15.0, normal_lag_max=1.0)
    stack = make_stack(sim.url, sink="s3", aws_url=fault_proxy.url, source=api.source(
        start=format_instant(from_epoch(start)), end=format_instant(from_epoch(end)), window=f"{WINDOW}s",
        settle=f"{SETTLE}s", late_horizon=f"{HORIZON}s", page_size=50,
    ), worker={"lease": "2s", "task_deadline": "5s", "receive_wait": "1s"})
    bucket = stack.settings.sink.url.removeprefix("s3://").split("/")[0]
    client("s3", stack.settings.aws).put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    stack.queue._client.send_message(QueueUrl=stack.queue.url(), MessageBody="this is not a task {")
    fault_proxy.rates = Rates(refuse=0.01, lose=0.01, delay=0.01, delay_range=(0.05, 0.5))
    # and, whatever the dice say, lost answers on the writes where one matters most: a
    # checkpoint or lease that fails its own condition on botocore's retry, a task sent
    # twice, a committed object put twice (every 7th PutObject: staged parts and publishes)
    fault_proxy.schedule = {"dynamodb:UpdateItem": dict.fromkeys(range(10, 10_000, 40), "lose"),
                            "sqs:SendMessageBatch": {2: "lose", 4: "lose"},
                            "s3:PutObject": dict.fromkeys(range(5, 10_000, 7), "lose")}

    horizon = stack.settings.sources[0].effective_late_horizon
    print(f"aws chaos: set up in {time.time() - began:.1f}s, processes start {end - time.time():.1f}s before the timeline's end")
    kills = run_under_chaos(stack, Processes(stack.config_path, tmp_path), end, horizon, rng)
    fault_proxy.enabled = False
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(tmp_path.glob("*.log")))
    faults = Counter({f"{kind} {service}:{op}": n for (kind, service, op), n in fault_proxy.injected.items()})
    print(f"aws chaos: {kills} kills, API faults {sim.stats()['faults']}, AWS faults {dict(faults)}, "
          f"AWS requests {dict(fault_proxy.requests)}")

    states = sorted(f"{w.key.start:%H:%M:%S}#{w.key.pass_no} {w.state} v{w.version} pages={w.pages}"
                    for w in stack.store.list_windows("gws-login"))
    assert all_done(stack, end, horizon), (f"not every window finished after {kills} kills: {states}, "
                                           f"queue {stack.queue.counts()}\n{logs[-6000:]}")
    assert kills >= 5
    for kind in ("refuse", "lose", "delay"):
        assert fault_proxy.faults(kind), f"no {kind} fault: the test would prove less than it says"
    for service in ("dynamodb", "sqs", "s3"):
        assert fault_proxy.faults(operations=[f"{s}:{op}" for s, op in fault_proxy.requests if s == service]), (
            f"no fault on {service}: the test would prove less than it says")
    for operation in ("dynamodb:UpdateItem", "sqs:SendMessageBatch", "s3:PutObject"):
        assert fault_proxy.faults("lose", [operation]) > 0, f"no lost answer on {operation}"
    assert sum(sim.stats()["faults"].values()) > 0

    result = compare(sim.ground_truth(), stack.committed(), api.kind)
    assert result.expected == EVENTS
    assert (result.missing, result.duplicates, result.unexpected, result.altered) == (0, 0, 0, 0), result

    found = windows_by_pass(stack)
    firsts = sorted(found[FIRST_PASS], key=lambda w: w.key.start)
    assert [int(w.key.start.timestamp()) for w in firsts] == [start + i * WINDOW for i in range(WINDOWS)]
    assert all(w.state == "done" for w in found[FINAL_PASS]) and len(found[FINAL_PASS]) >= 1
    report = json.loads(run_cli("status", "-c", str(stack.config_path), "--json").stdout)
    source = report["sources"]["gws-login"]
    assert source["final_until"] == format_instant(from_epoch(end))
    assert source["late_events"] > 0, "no event was late for a first pass: the test proves less than it says"

    dead = DeadLetters(stack.queue, stack.store).peek()
    assert [e["reason"].split(":")[0] for e in dead] == ["malformed_message"], dead
    assert [e.get("body") for e in dead] == ["this is not a task {"], dead

    assert_one_version_per_key(stack, fault_proxy, kills)
