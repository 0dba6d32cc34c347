"""Normalised output: every row of every mapping table, and the simulators' events of
both sources, validate against the OCSF schema (pydantic-ocsf's copy of OCSF 1.5.0:
required attributes, types, enum values, type_uid); nothing is dropped."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from ocsf_checks import SCHEMA_VERSION, epoch_ms, validate

from logpull.simulator import OktaSimulator, OktaSimulatorSettings, ReportsSimulator, SimulatorSettings
from shared.config import SourceSettings
from worker.ocsf import OCSF_VERSION, google, normalise, okta, to_ocsf
from worker.sources import google_reports, okta as okta_source
from worker.sources.base import Event, read_file

SECRETS = SimpleNamespace(load=read_file)  # anonymous: nothing is read
GOOGLE = google_reports.create(SourceSettings(id="g", kind="google_reports", start="2026-11-01T00:00:00Z"), SECRETS)
OKTA = okta_source.create(SourceSettings(id="o", kind="okta_system_log", domain="example.okta.com",
                                         start="2026-11-01T00:00:00Z"), SECRETS)
GOOGLE_ITEM = {
    "kind": "admin#reports#activity",
    "id": {"time": "2026-11-02T21:42:43.529Z", "uniqueQualifier": "-4876159150512685924",
           "applicationName": "login", "customerId": "C03az79cb"},
    "etag": "\"3e575e23e0f2f8e1de240aa7209/bc5467166d6bbc9c\"",
    "actor": {"email": "alan@example.com", "profileId": "105113119567141537395", "callerType": "USER"},
    "ipAddress": "201.121.203.6",
    "events": [{"type": "login", "name": "login_success", "parameters": [
        {"name": "login_type", "value": "saml"}, {"name": "is_suspicious", "boolValue": False}]}],
}


def event(item: dict[str, Any]) -> Event:
    source = GOOGLE if "id" in item else OKTA
    return Event(orjson.dumps(item), source.event_time(item), source.identity(item))


def google_item(application: str, name: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    item = copy.deepcopy(GOOGLE_ITEM)
    item["id"]["applicationName"] = application
    item["events"] = [{"type": application, "name": name, "parameters": params or []}]
    return item


def okta_items() -> list[dict[str, Any]]:
    sim = OktaSimulator(OktaSimulatorSettings(events=400, token="00abc", seed=7))
    return [item if isinstance(item, dict) else json.loads(item) for item in sim.ground_truth()]


def google_items() -> list[dict[str, Any]]:
    sim = ReportsSimulator(SimulatorSettings(events=400, seed=7, applications=("login", "admin", "token", "saml",
                                                                                "drive")))
    return [item if isinstance(item, dict) else json.loads(item) for item in sim.ground_truth()]


TABLE_ROWS = (
    [google_item("login", name) for name in google._LOGIN]
    + [google_item("login", "login_challenge", [{"name": "login_challenge_status", "value": "Challenge Passed"},
                                                {"name": "login_challenge_method", "multiValue": ["totp"]}])]
    + [google_item("saml", name, [{"name": "application_name", "value": "Slack"}]) for name in google._SAML]
    + [google_item("admin", name, [{"name": "USER_EMAIL", "value": "u@example.com"},
                                   {"name": "GROUP_EMAIL", "value": "g@example.com"}]) for name in google._ADMIN]
    + [google_item("token", name, [{"name": "app_name", "value": "App"}]) for name in google._TOKEN]
    + [google_item(app, "something_else") for app in ("login", "saml", "admin", "token", "drive", "calendar")]
)


@pytest.mark.parametrize("item", TABLE_ROWS, ids=lambda i: f"{i['id']['applicationName']}-{i['events'][0]['name']}")
def test_every_google_table_row_is_a_valid_ocsf_object(item: dict[str, Any]) -> None:
    obj = to_ocsf(event(item), "gws")
    validate(obj)
    assert obj["metadata"]["uid"] == GOOGLE.identity(item) == "|".join(
        str(item["id"][k]) for k in ("applicationName", "customerId", "time", "uniqueQualifier"))
    assert obj["time"] == epoch_ms(item["id"]["time"])
    assert "events" in obj["unmapped"]  # every parameter kept, mapped or not


def okta_item(event_type: str, result: str = "SUCCESS") -> dict[str, Any]:
    item = next(i for i in OKTA_SAMPLE if i["eventType"] == "user.account.update_password")
    return {**copy.deepcopy(item), "eventType": event_type, "outcome": {"result": result, "reason": None}}


OKTA_SAMPLE = okta_items()
OKTA_ROWS = [okta_item(t) for t in okta._EXACT] + [
    okta_item(t, r) for t, r in [("user.session.access_admin_app", "FAILURE"), ("user.account.report_suspicious_activity_by_enduser", "DENY"),
                                 ("user.lifecycle.password_mass_expire", "UNKNOWN"), ("policy.evaluate_sign_on", "CHALLENGE"),
                                 ("system.api_token.create", "SUCCESS")]]


@pytest.mark.parametrize("item", OKTA_ROWS, ids=lambda i: f"{i['eventType']}-{i['outcome']['result']}")
def test_every_okta_table_row_is_a_valid_ocsf_object(item: dict[str, Any]) -> None:
    obj = to_ocsf(event(item), "okta")
    validate(obj)
    assert obj["metadata"]["uid"] == item["uuid"] and obj["time"] == epoch_ms(item["published"])
    prefix = ".".join(item["eventType"].split(".")[:2])
    expected = {"user.session": 3002, "user.authentication": 3002, "user.account": 3001,
                "user.lifecycle": 3001}.get(prefix, okta._EXACT.get(item["eventType"], (0,))[0])
    assert obj["class_uid"] == expected


def test_the_simulators_events_of_both_sources_validate_and_cover_every_mapped_class() -> None:
    items = google_items() + OKTA_SAMPLE
    classes = set()
    for item in items:
        obj = to_ocsf(event(item), "src")
        validate(obj)
        classes.add((obj["metadata"]["product"]["name"], obj["class_uid"]))
    assert classes == {("Google Workspace", c) for c in (0, 3001, 3002, 3006, 6003)} | {
        ("Okta", c) for c in (0, 3001, 3002)}


def test_an_unmapped_event_keeps_every_field_and_a_mapped_one_drops_none() -> None:
    drive = google_item("drive", "view", [{"name": "doc_id", "value": "1AbC"}])
    obj = to_ocsf(event(drive), "gws", raw_data=False)
    assert (obj["class_uid"], obj["activity_id"], obj["type_uid"]) == (0, 99, 99)
    assert obj["unmapped"] == drive and "raw_data" not in obj
    login = to_ocsf(event(GOOGLE_ITEM), "gws", raw_data=False)
    assert login["unmapped"] == {"kind": GOOGLE_ITEM["kind"], "etag": GOOGLE_ITEM["etag"],
                                 "actor": {"callerType": "USER"}, "events": GOOGLE_ITEM["events"]}
    assert login["user"]["email_addr"] == "alan@example.com" and login["src_endpoint"] == {"ip": "201.121.203.6"}
    assert login["metadata"]["tenant_uid"] == "C03az79cb" and login["status_id"] == 1
    weird = {"uuid": "no-event-type", "published": "2026-11-01T00:00:00.000Z", "x": [1, {"y": None}]}
    obj = to_ocsf(Event(orjson.dumps(weird), "2026-11-01T00:00:00.000Z", "no-event-type"), "custom")
    validate(obj)
    assert obj["unmapped"] == weird and obj["metadata"]["product"]["name"] == "custom"


def test_a_part_has_one_line_per_event_in_order_and_raw_data_is_the_line_as_received() -> None:
    events = [event(i) for i in google_items()[:50] + OKTA_SAMPLE[:50]]
    lines = normalise(events, "src").splitlines()
    assert len(lines) == len(events) == 100
    for line, ev in zip(lines, events, strict=True):
        obj = json.loads(line)
        assert obj["metadata"]["uid"] == ev.identity and obj["raw_data"] == ev.raw.decode()
    assert OCSF_VERSION == SCHEMA_VERSION


def test_the_readme_examples_are_valid_objects_of_each_mapped_class() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Normalised output (OCSF)", 1)[1].split("\n## ", 1)[0]
    examples = [json.loads(block.split("```", 1)[0]) for block in section.split("```json\n")[1:]]
    for obj in examples:
        validate(obj)
    assert sorted(o["class_uid"] for o in examples) == [0, 3001, 3002, 3004, 3006, 6003]


def test_an_event_a_mapping_cannot_handle_gets_the_generic_class(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(reader: Any) -> Any:
        raise KeyError("a shape the table never expected")

    monkeypatch.setitem(google.TABLE, "login", broken)
    obj = to_ocsf(event(GOOGLE_ITEM), "gws")
    validate(obj)
    assert (obj["class_uid"], obj["metadata"]["uid"]) == (0, GOOGLE.identity(GOOGLE_ITEM))
    assert obj["unmapped"] == GOOGLE_ITEM


def test_an_empty_field_a_mapping_leaves_out_stays_in_unmapped() -> None:
    """``""`` (or ``{}``, ``[]``) is not put in the object: with ``ocsf_raw = false`` it
    must then stay in ``unmapped``, not vanish from both."""
    google_empty = copy.deepcopy(GOOGLE_ITEM)
    google_empty.update(ipAddress="", actor={"email": "", "profileId": "105", "callerType": "USER"})
    obj = to_ocsf(event(google_empty), "gws", raw_data=False)
    validate(obj)
    assert obj["unmapped"]["ipAddress"] == "" and obj["unmapped"]["actor"] == {"email": "", "callerType": "USER"}
    okta_empty = {"uuid": "u-1", "published": "2026-11-01T00:00:00.000Z", "eventType": "user.session.start",
                  "displayMessage": "", "actor": {"type": "User", "id": "", "alternateId": "ünï@example.com"},
                  "client": {"ipAddress": "", "userAgent": {}}, "outcome": {"result": "SUCCESS", "reason": ""}}
    obj = to_ocsf(event(okta_empty), "okta", raw_data=False)
    validate(obj)
    assert obj["user"] == {"name": "ünï@example.com"} and obj["status_id"] == 1
    assert obj["unmapped"] == {"displayMessage": "", "actor": {"id": ""}, "client": {"ipAddress": "", "userAgent": {}},
                               "outcome": {"reason": ""}}
