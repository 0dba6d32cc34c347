"""Checks of normalised (OCSF) output shared by the OCSF tests: schema validation with
the OCSF schema pydantic-ocsf ships (the ``dev`` extra), and the one-object-per-raw-event
count matched by ``metadata.uid``."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared.aws.clients import client
from shared.config import Settings
from shared.sink_reader import iter_committed_items, iter_s3_committed_items

SCHEMA_VERSION = "1.5.0"  # the version our objects name in metadata.version
REQUIRED = ("class_uid", "category_uid", "activity_id", "type_uid", "severity_id", "time")


def event_class(class_uid: int) -> type[BaseModel]:
    """The pydantic-ocsf model of an OCSF event class of ``SCHEMA_VERSION``."""
    from ocsf.v1_5_0 import events

    names = {0: "BaseEvent", 3001: "AccountChange", 3002: "Authentication", 3003: "AuthorizeSession",
             3004: "EntityManagement", 3006: "GroupManagement", 6003: "ApiActivity"}
    model: type[BaseModel] = getattr(events, names[class_uid])
    if class_uid == 0:  # its lazily built model needs the objects it names, by name
        from ocsf.v1_5_0.objects import Enrichment, Metadata, Object, Observable

        names_used = {"Enrichment": Enrichment, "Metadata": Metadata, "Object": Object, "Observable": Observable}
        import pydantic

        model.model_rebuild(_types_namespace={**vars(pydantic), **names_used})
    return model


def unknown_attributes(model: BaseModel, at: str = "") -> list[str]:
    """Attributes the schema does not define, anywhere in the validated object (the
    models accept extra keys; ``unmapped`` is where anything else belongs)."""
    found = [f"{at}{name}" for name in (model.model_extra or {})]
    for name, value in model:
        if name == "unmapped":
            continue  # an open object by definition
        values = value if isinstance(value, list) else [value]
        found += [bad for v in values if isinstance(v, BaseModel) for bad in unknown_attributes(v, f"{at}{name}.")]
    return found


def validate(obj: dict[str, Any]) -> None:
    """Raise AssertionError unless ``obj`` is a valid object of its class: required
    attributes, types and enum values per the schema, no attribute the class lacks."""
    assert all(key in obj for key in REQUIRED), obj
    assert obj["type_uid"] == obj["class_uid"] * 100 + obj["activity_id"], obj
    meta = obj["metadata"]
    assert meta["version"] == SCHEMA_VERSION and meta["product"]["name"] and meta["uid"], meta
    model = event_class(obj["class_uid"]).model_validate(copy.deepcopy(obj))  # (it adds sibling labels)
    assert unknown_attributes(model) == [], (unknown_attributes(model), obj)


def epoch_ms(instant: str) -> int:
    parsed = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC)
    return round(parsed.timestamp() * 1000)


def ocsf_output(settings: Settings, root: Path | None = None) -> list[dict[str, Any]]:
    """Every committed object under ``[sink] ocsf_url``, as a consumer reads them."""
    url = settings.sink.ocsf_url
    assert url is not None
    if url.startswith("s3://"):
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return list(iter_s3_committed_items(client("s3", settings.aws), bucket, prefix))
    return list(iter_committed_items(root or Path(url.removeprefix("file://"))))


def check_one_per_raw(raw: Iterable[dict[str, Any]], ocsf: list[dict[str, Any]],
                      identity: Callable[[dict[str, Any]], str], event_time: Callable[[dict[str, Any]], str],
                      raw_data: bool = True) -> int:
    """Exactly one OCSF object per committed raw event, matched by ``metadata.uid``
    (the source's identity), with ``time`` the event's own instant in epoch ms and
    ``raw_data`` the event as received. Returns the number of events."""
    events = {}
    for item in raw:
        item = {k: v for k, v in item.items() if k != "_logpull"}
        assert identity(item) not in events, f"raw output holds {identity(item)} twice"
        events[identity(item)] = item
    uids = Counter(obj["metadata"]["uid"] for obj in ocsf)
    assert [uid for uid, n in uids.items() if n > 1] == [], "an OCSF object is there twice"
    assert set(uids) == set(events), (len(set(events) - set(uids)), "missing", len(set(uids) - set(events)), "extra")
    for obj in ocsf:
        item = events[obj["metadata"]["uid"]]
        assert all(key in obj for key in REQUIRED), obj
        assert obj["type_uid"] == obj["class_uid"] * 100 + obj["activity_id"]
        assert obj["time"] == epoch_ms(event_time(item))
        assert obj["metadata"]["version"] == SCHEMA_VERSION and obj["metadata"]["product"]["name"]
        if raw_data:
            assert json.loads(obj["raw_data"]) == item
        else:
            assert "raw_data" not in obj
    return len(events)
