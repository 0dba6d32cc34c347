"""OCSF of Graph audit-log events (the fake's, written from Microsoft's docs), chosen by
the source's kind through ``worker.ocsf.MAPPINGS``; ``kind = "http"`` gets Base Event."""

from __future__ import annotations

import orjson
from ocsf_checks import validate

from logpull.simulator.vendors import GraphAuditLogs, GraphSettings
from shared.timeutil import canonical_instant
from worker.ocsf import to_ocsf
from worker.sources.base import Event


def events() -> list[dict[str, object]]:
    return GraphAuditLogs(GraphSettings(events=300, seed=3)).ground_truth()


def test_every_graph_event_is_one_valid_object_nothing_dropped() -> None:
    classes: set[int] = set()
    for item in events():
        instant = str(item.get("activityDateTime") or item["createdDateTime"])
        event = Event(raw=orjson.dumps(item), identity=str(item["id"]),
                      time=canonical_instant(instant))  # fmt: skip
        obj = to_ocsf(event, "entra/x", mapping="microsoft_graph_audit")
        validate(obj)
        assert obj["metadata"]["uid"] == item["id"]
        assert obj["metadata"]["product"]["vendor_name"] == "Microsoft"
        classes.add(obj["class_uid"])
        assert orjson.loads(obj["raw_data"]) == item
    assert {3001, 3002, 3004, 3006} <= classes


def test_http_kind_without_a_mapping_gets_base_event() -> None:
    item = events()[0]
    event = Event(raw=orjson.dumps(item), identity="i", time="2026-11-01T00:00:00.000Z")
    obj = to_ocsf(event, "h", mapping="generic")
    validate(obj)
    assert obj["class_uid"] == 0 and obj["unmapped"]
