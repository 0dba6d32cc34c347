"""OCSF of the GitHub, Slack, 1Password (three streams) and Atlassian fakes' events
(written from the vendors' docs), chosen by kind through ``worker.ocsf.MAPPINGS``:
every event one schema-valid object, its own time and identity, nothing dropped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from ocsf_checks import validate

from logpull.simulator.vendors import (
    AtlassianOrgAudit,
    AtlassianSettings,
    GitHubAuditLog,
    GitHubSettings,
    OnePasswordEvents,
    OnePasswordSettings,
    SlackAuditLogs,
    SlackSettings,
)
from shared.timeutil import canonical_instant, format_instant
from worker.ocsf import MAPPINGS, to_ocsf
from worker.ocsf._common import epoch_ms
from worker.sources.base import Event


def _ms(value: int) -> str:
    return format_instant(datetime.fromtimestamp(value / 1000, UTC).replace(microsecond=value % 1000 * 1000))


CASES: dict[str, tuple[Callable[[], list[dict[str, Any]]], Callable[[dict[str, Any]], tuple[str, str]]]] = {
    "github_audit_log": (lambda: GitHubAuditLog(GitHubSettings(events=400, seed=5)).ground_truth(),
                         lambda e: (e["_document_id"], _ms(e["@timestamp"]))),
    "slack_audit_logs": (lambda: SlackAuditLogs(SlackSettings(events=400, seed=5)).ground_truth(),
                         lambda e: (e["id"], _ms(e["date_create"] * 1000))),
    "onepassword_events": (lambda: OnePasswordEvents(OnePasswordSettings(events=300, seed=5)).ground_truth(),
                           lambda e: (e["uuid"], canonical_instant(e["timestamp"]))),
    "atlassian_org_audit": (lambda: AtlassianOrgAudit(AtlassianSettings(events=400, seed=5)).ground_truth(),
                            lambda e: (e["id"], canonical_instant(e["attributes"]["time"]))),
}  # fmt: skip
# the classes each fake's action types must reach (the fakes carry a few of each vendor's actions)
CLASSES = {"github_audit_log": {3001, 3004, 3006}, "slack_audit_logs": {0, 3001, 3002, 3004, 3006},
           "onepassword_events": {3001, 3002, 3004, 3006, 6003}, "atlassian_org_audit": {3001, 3002, 3004, 3006}}  # fmt: skip


# fields a mapping turns into another form: the event's time (→ ``time``) and GitHub's
# operation_type (→ the activity)
CONVERTED = {("@timestamp",), ("created_at",), ("date_create",), ("timestamp",), ("attributes", "time"),
             ("operation_type",)}  # fmt: skip


def _leaves(node: Any, at: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if isinstance(node, dict) and node:
        return {leaf for name, value in node.items() for leaf in _leaves(value, (*at, name))}
    return {at}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_event_of_the_fake_is_one_valid_object(kind: str) -> None:
    generate, key = CASES[kind]
    items = generate()
    classes: Counter[int] = Counter()
    for item in items:
        identity, instant = key(item)
        event = Event(raw=orjson.dumps(item), identity=identity, time=instant)
        obj = to_ocsf(event, f"{kind}-src", mapping=kind)
        validate(obj)
        assert obj["metadata"]["uid"] == identity
        assert obj["time"] == epoch_ms(instant)
        assert obj["metadata"]["product"]["vendor_name"] != "unknown"
        assert orjson.loads(obj["raw_data"]) == item
        classes[obj["class_uid"]] += 1
    assert set(classes) >= CLASSES[kind] - {0}, classes
    assert sum(classes.values()) == len(items) > 250


@pytest.mark.parametrize("kind", sorted(CASES))
def test_nothing_dropped_without_raw_data(kind: str) -> None:
    """With ``ocsf_raw = false`` each field of the event is in the object: mapped (its
    value appears) or in ``unmapped``."""
    generate, key = CASES[kind]
    for item in generate()[:150]:
        identity, instant = key(item)
        obj = to_ocsf(Event(raw=orjson.dumps(item), identity=identity, time=instant), "s", False, kind)
        assert "raw_data" not in obj
        text = orjson.dumps({k: v for k, v in obj.items() if k != "unmapped"}).decode()
        unmapped = obj.get("unmapped", {})
        for path in _leaves(item):
            value: Any = item
            for name in path:
                value = value[name]
            rest: Any = unmapped
            for name in path:
                rest = rest.get(name) if isinstance(rest, dict) else None
            if value in (None, "", [], {}) or rest is not None or path in CONVERTED:
                continue
            assert orjson.dumps(value).decode().strip('"') in text or str(value) in text, (kind, path, obj)


def test_each_built_in_kind_has_a_mapping() -> None:
    from shared.config import BUILTIN_SOURCE_KINDS

    assert BUILTIN_SOURCE_KINDS - {"http"} <= set(MAPPINGS)


def test_the_names_the_config_accepts_are_the_registry() -> None:
    from shared.ocsf_names import MAPPING_NAMES

    assert set(MAPPINGS) == MAPPING_NAMES
