"""Control plane: AWS requests per tick per source with many sources (10 tenants x 30
applications), counted with a botocore ``before-send`` hook on the orchestrator's own
clients (moto's DynamoDB answers in O(table) per call, so the tick's wall time there is
reported but says little).

Each source gets ``history`` hours of settled windows, written straight into the table,
and a tail still in play: its last two windows wait for their final passes (running,
with a live lease). Then: the first tick (no settled mark yet: it reads every window
once and stores the mark), a cold tick (a new Orchestrator, as on a fresh Lambda
container), a steady tick (the same Orchestrator again, nothing new), and after as much
history again, another cold tick: it must cost what the first cold tick cost. (Before the
settled mark, a cold tick made 3 requests per source here and read every window.)
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._services import moto_server
from shared.aws import _dynamo_codec as codec
from shared.config import load_settings
from shared.google_apps import GOOGLE_LATE_HORIZONS
from shared.models import FINAL_PASS, SourceMeta, WindowKey, WindowRecord
from shared.timeutil import format_instant

START = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
# the Reports API's documented applications, then made-up ones up to 30 (names only: no API is called)
APPLICATIONS = [*sorted(GOOGLE_LATE_HORIZONS), *(f"app{i:02d}" for i in range(30))][:30]
TAIL = 2  # windows per source still waiting for their final pass


def config(workdir: Path, aws_url: str, tenants: int, apps: int) -> Path:
    blocks = "".join(f"""
[[sources]]
id = "t{tenant:02d}-{app}"
kind = "google_reports"
application = "{app}"
start = "2026-11-01T00:00:00Z"
window = "1h"
settle = "1m"
late_horizon = "2h"
credentials = "anonymous"
api_endpoint = "http://127.0.0.1:9"
""" for tenant in range(tenants) for app in APPLICATIONS[:apps])
    path = workdir / "control-plane.toml"
    path.write_text(f"""
[aws]
endpoint_url = "{aws_url}"
queue_name = "cp-tasks"
dlq_name = "cp-dlq"
table_name = "cp-state"

[sink]
url = "file://{workdir / 'cp-sink'}"

[logging]
level = "warning"
format = "json"
{blocks}""")
    return path


def window(source: str, i: int, now: float, tail: bool) -> list[WindowRecord]:
    """Window ``i``: settled, or (``tail``) done early with its final pass running."""
    key = WindowKey(source, START + i * HOUR, START + (i + 1) * HOUR)
    late_read = (key.end + 3 * HOUR).timestamp()
    first = WindowRecord(key=key, state="done", version=3, pages=2, events=50, updated_at=now,
                         started_at=key.end.timestamp() + 60 if tail else late_read)
    if not tail:
        return [first]
    final = WindowRecord(key=replace(key, pass_no=FINAL_PASS), state="running", version=1, lease_owner="w",
                         lease_expiry=now + 3600, updated_at=now, started_at=late_read)
    return [first, final]


def write_history(dynamodb: Any, table: str, sources: list[str], begin: int, upto: int, now: float) -> None:
    """Record windows ``begin``..``upto`` of every source (the last ``TAIL`` in play), the
    final passes of the tail left before done, and move watermark and enqueue mark past
    them. Written with BatchWriteItem: moto copies the whole table for every
    TransactWriteItems, which would make this set-up, not the tick, the bench's time."""
    items = []
    for source in sources:
        for i in range(max(0, begin - TAIL), begin):  # the tail left before: its final passes are done now
            items += [codec.encode_window(window(source, i, now, tail=True)[1].evolve(
                version=2, state="done", lease_owner=None, lease_expiry=0.0, events=1))]
        items += [codec.encode_window(w) for i in range(begin, upto) for w in window(source, i, now, i >= upto - TAIL)]
    for at in range(0, len(items), 25):
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[at:at + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    mark = {"S": format_instant(START + upto * HOUR)}
    for source in sources:
        if begin == 0:
            dynamodb.put_item(TableName=table, Item=codec.encode_meta(
                SourceMeta(source, START + upto * HOUR, START + upto * HOUR, version=1, recorded_at=now)))
        else:
            dynamodb.update_item(TableName=table, Key=codec.meta_key_attrs(source),
                                 UpdateExpression="SET watermark = :m, enqueued_until = :m, version = version + :one",
                                 ExpressionAttributeValues={":m": mark, ":one": {"N": "1"}})


def control_plane(workdir: Path, tenants: int, apps: int, history: int) -> dict[str, Any]:
    from orchestrator.tick import Orchestrator
    from shared.aws.clients import client
    from shared.aws.provision import ensure_queues, ensure_table
    from shared.aws.state_store import DynamoStateStore
    from shared.aws.task_queue import SqsTaskQueue
    from shared.log import configure_logging

    with moto_server() as aws_url:
        settings = load_settings(config(workdir, aws_url, tenants, apps))
        configure_logging("warning", "json")
        ensure_queues(client("sqs", settings.aws), settings)
        ensure_table(client("dynamodb", settings.aws), settings)
        dynamodb, sqs = client("dynamodb", settings.aws), client("sqs", settings.aws)
        store = DynamoStateStore(dynamodb, settings.aws.table_name)
        counted: Counter[str] = Counter()

        def count(event_name: str, **_: Any) -> None:
            counted[event_name.split(".")[-1]] += 1

        def read(parsed: dict[str, Any], **_: Any) -> None:
            counted["(window items read)"] += int(parsed.get("Count", 0))

        def tick(orchestrator: Orchestrator) -> dict[str, Any]:
            counted.clear()
            began = time.perf_counter()
            orchestrator.tick()
            took = time.perf_counter() - began
            items = counted.pop("(window items read)", 0)
            total = sum(counted.values())
            return {"requests": total, "per_source": round(total / len(settings.sources), 3),
                    "windows_read_per_source": round(items / len(settings.sources), 1),
                    "tick_s": round(took, 2), "by_operation": dict(counted.most_common())}

        def fresh(hours: int) -> Orchestrator:  # a cold tick: a new process, no memory of earlier ticks
            now = (START + hours * HOUR + timedelta(minutes=30)).timestamp()
            queue = SqsTaskQueue(sqs, settings.aws.queue_name, settings.aws.dlq_name)
            return Orchestrator(settings, store, queue, clock=lambda: now)

        out: dict[str, Any] = {"sources": len(settings.sources), "history_windows": history, "tail_windows": TAIL}
        for events in (dynamodb.meta.events, sqs.meta.events):
            events.register("before-send", count)
        dynamodb.meta.events.register("after-call.dynamodb.Query", read)
        for phase, hours in (("", history), ("_2x", 2 * history)):
            began = time.perf_counter()
            now = (START + hours * HOUR).timestamp()
            write_history(dynamodb, settings.aws.table_name, [s.id for s in settings.sources],
                          hours - history, hours, now)
            out[f"setup{phase}_s"] = round(time.perf_counter() - began, 1)
            warm = fresh(hours)
            out[f"first{phase}"] = tick(warm)  # moves the mark over what became settled
            out[f"cold{phase}"] = tick(fresh(hours))
            if not phase:  # (steady after twice the history would cost what it costs here: skipped for time)
                out["steady"] = tick(warm)
    out["cold_grows_with_history"] = any(out["cold_2x"][k] != out["cold"][k]
                                         for k in ("requests", "windows_read_per_source"))
    return out
