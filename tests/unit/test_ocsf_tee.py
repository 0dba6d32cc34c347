"""The sink pair of ``ocsf_url`` (file roots): a part is published only as a whole, the
OCSF half first; a part staged before ``ocsf_url`` was set publishes its raw half alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from structlog.testing import capture_logs

from shared.errors import LogpullError
from shared.models import WindowKey
from shared.sink_reader import iter_committed_items
from worker.sinks.base import encode_lines
from worker.sinks.file_sink import FileSink
from worker.sinks.ocsf_tee import OcsfTeeSink
from worker.sources.base import Event

KEY = WindowKey("okta", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 1, tzinfo=UTC))
ITEMS = [{"uuid": f"u{i}", "eventType": "user.session.start", "published": f"2026-11-01T00:0{i}:00.000Z",
          "outcome": {"result": "SUCCESS"}} for i in range(3)]
EVENTS = [Event(orjson.dumps(item), item["published"], item["uuid"]) for item in ITEMS]
LINES = encode_lines(EVENTS, {"source": "okta", "pass": 0})


def pair(tmp_path: Path, ocsf: Any = None) -> OcsfTeeSink:
    raw, normalised = FileSink(str(tmp_path / "raw")), FileSink(str(tmp_path / "ocsf"), compression="gzip")
    ocsf = ocsf or normalised
    return OcsfTeeSink(raw, ocsf, raw.suffix, ocsf.suffix)


def test_a_part_is_published_whole_and_once(tmp_path: Path) -> None:
    sink = pair(tmp_path)
    sink.stage_normalised(KEY, 0, "w1", EVENTS)
    staged = sink.stage(KEY, 0, "w1", LINES)
    assert not sink.published(KEY, 0)
    sink.publish(KEY, 0, staged)
    sink.publish(KEY, 0, staged)  # a roll-forward after the fact: a no-op
    assert sink.published(KEY, 0)
    objects = list(iter_committed_items(tmp_path / "ocsf"))
    assert [o["metadata"]["uid"] for o in objects] == ["u0", "u1", "u2"]
    assert [json.loads(o["raw_data"]) for o in objects] == ITEMS
    assert len(list(iter_committed_items(tmp_path / "raw"))) == 3
    sink.cleanup(KEY)
    assert not any(p.is_file() for p in (tmp_path / "ocsf" / "_staging").rglob("*"))


def test_a_part_staged_before_ocsf_url_was_set_publishes_its_raw_half(tmp_path: Path) -> None:
    staged = FileSink(str(tmp_path / "raw")).stage(KEY, 0, "w1", LINES)  # before the config change
    sink = pair(tmp_path)
    with capture_logs() as logs:
        sink.publish(KEY, 0, staged)  # the roll-forward, with ocsf_url set now
    assert len(list(iter_committed_items(tmp_path / "raw"))) == 3
    assert list(iter_committed_items(tmp_path / "ocsf")) == []
    assert [e["event"] for e in logs] == ["ocsf_part_missing"]


def test_an_ocsf_half_that_fails_to_publish_holds_the_raw_half_back(tmp_path: Path) -> None:
    ocsf = FileSink(str(tmp_path / "ocsf"))

    class Failing:
        def publish(self, key: WindowKey, seq: int, staged: str) -> None:
            raise LogpullError("disk full")

        def __getattr__(self, name: str) -> Any:
            return getattr(ocsf, name)

    sink = pair(tmp_path, Failing())
    sink.stage_normalised(KEY, 0, "w1", EVENTS)
    staged = sink.stage(KEY, 0, "w1", LINES)
    with pytest.raises(LogpullError, match="disk full"):
        sink.publish(KEY, 0, staged)
    assert list(iter_committed_items(tmp_path / "raw")) == [] and not sink.published(KEY, 0)
