"""Logical sources of one block (``gws/groups``, ``gws/groups_enterprise``) share the id
prefix ``gws/groups``; the plain id ``gws`` is a prefix of both. Their state items, staged
parts and committed parts never mix: nothing is found by a bare id prefix."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.aws.clients import client
from shared.models import FIRST_PASS, SourceMeta, WindowKey, WindowRecord
from worker.sinks.base import Sink
from worker.sinks.file_sink import FileSink
from worker.sinks.s3_sink import S3Sink

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
IDS = ("gws", "gws/groups", "gws/groups_enterprise")


def key(source: str) -> WindowKey:
    return WindowKey(source, START, START + timedelta(hours=1), FIRST_PASS)


def part(source: str, seq: int) -> bytes:
    return json.dumps({"id": {"uniqueQualifier": f"{source}-{seq}"}, "_logpull": {"source": source}}).encode() + b"\n"


@pytest.mark.parametrize("kind", ["file", "s3"])
def test_sink_parts_of_prefix_sharing_ids_stay_apart(make_stack: Callable[..., Any], kind: str) -> None:
    stack = make_stack(sink=kind)
    sink: Sink = (S3Sink.from_url(stack.settings.sink.url, "none", lambda: client("s3", stack.settings.aws))
                  if kind == "s3" else FileSink(str(stack.sink_root)))
    staged = {}
    for source in IDS:
        sink.publish(key(source), 0, sink.stage(key(source), 0, "w1", part(source, 0)))
        staged[source] = sink.stage(key(source), 1, "w1", part(source, 1))  # staged, not published
    sink.cleanup(key("gws/groups"))
    for source in IDS:
        assert [item["id"]["uniqueQualifier"] for item in sink.committed_items(key(source))] == [f"{source}-0"]
        assert sink.published(key(source), 0) and not sink.published(key(source), 1)
    # the cleanup of gws/groups removed its own staged part only: the others still publish
    sink.publish(key("gws/groups_enterprise"), 1, staged["gws/groups_enterprise"])
    sink.publish(key("gws"), 1, staged["gws"])
    assert [i["id"]["uniqueQualifier"] for i in sink.committed_items(key("gws/groups_enterprise"), since=1)] == [
        "gws/groups_enterprise-1"]
    assert [i["id"]["uniqueQualifier"] for i in sink.committed_items(key("gws/groups"))] == ["gws/groups-0"]


def test_state_items_of_prefix_sharing_ids_stay_apart(make_stack: Callable[..., Any]) -> None:
    store = make_stack().store
    for number, source in enumerate(IDS):
        meta = SourceMeta(source, START + timedelta(hours=number + 1), START)
        store.record_windows(None, meta, [WindowRecord(key=key(source), created_at=1.0, updated_at=1.0)])
    for number, source in enumerate(IDS):
        assert [w.key.source for w in store.list_windows(source)] == [source]
        assert [w.key.source for w in store.list_windows(source, since="2026-11-01T00:00:00.000Z",
                                                           until="2026-11-01T00:00:00.000Z")] == [source]
        meta = store.get_meta(source)
        assert meta is not None and meta.watermark == START + timedelta(hours=number + 1)
        record = store.get_window(key(source))
        assert record is not None and record.key.source == source
