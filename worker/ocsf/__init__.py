"""Normalised output: each committed event as one OCSF object (README, "Normalised output").

``normalise`` turns the events of one staged part into its OCSF part: one JSON line per
event, in the same order, never fewer. The mapping is chosen by the event's shape (a
Reports API Activity, an Okta LogEvent); an event no mapping covers gets the generic
class with every field in ``unmapped``. ``metadata.uid`` is the event's identity and
``time`` its instant, exactly as the source gave them for dedup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from shared.config import SourceSettings
from shared.log import get_logger
from shared.ocsf_names import GENERIC
from worker.ocsf import atlassian, github, google, graph, okta, onepassword, slack
from worker.ocsf._common import OCSF_VERSION, Mapped, Mapper, Reader, assemble, generic
from worker.sources.base import Event

__all__ = ["MAPPINGS", "OCSF_VERSION", "mapping_of", "normalise", "to_ocsf"]

# A source's mapping by name: its kind, or what an http block's ``ocsf_mapping`` names.
# A name not here (``kind = "http"`` naming none) gets the generic class (Base Event).
MAPPINGS: dict[str, Mapper] = {
    "google_reports": google.mapping,
    "okta_system_log": okta.mapping,
    "microsoft_graph_audit": graph.mapping,
    "github_audit_log": github.mapping,
    "slack_audit_logs": slack.mapping,
    "onepassword_events": onepassword.mapping,
    "atlassian_org_audit": atlassian.mapping,
}

log = get_logger(__name__)


def mapping_of(source: SourceSettings | None) -> str | None:
    """The mapping name of a source: an http block's ``ocsf_mapping``, else its kind
    (``kind = "http"`` naming none: the generic class); None for no settings at all."""
    if source is None:
        return None
    named = getattr(source.kind_options, "ocsf_mapping", None)
    if isinstance(named, str) and named:
        return named
    return GENERIC if source.kind == "http" else source.kind


def _mapping(reader: Reader) -> Mapped:
    item = reader.item
    if isinstance(item.get("id"), dict) and "applicationName" in item["id"]:
        return google.mapping(reader)
    if "eventType" in item and "uuid" in item:
        return okta.mapping(reader)
    return generic(reader)


def _chosen(name: str | None) -> Mapper:
    """The mapping a source names (None: chosen by the event's shape, as before kinds)."""
    return _mapping if name is None else MAPPINGS.get(name, generic)


def to_ocsf(event: Event, source: str, raw_data: bool = True,
            mapping: str | None = None) -> dict[str, Any]:
    """One event as an OCSF object (``source``: the logpull source id it was read by).
    An event a mapping cannot handle (a shape it never expected) gets the generic class
    rather than hold its page back: normalising never fails a commit."""
    item = orjson.loads(event.raw)
    reader = Reader(item if isinstance(item, dict) else {"value": item})
    try:
        mapped = _chosen(mapping)(reader)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        log.warning("ocsf_mapping_failed", uid=event.identity, error=f"{type(exc).__name__}: {exc}")
        reader = Reader(reader.item)
        mapped = generic(reader)
    return assemble(mapped, reader, event.identity, event.time, source, event.raw if raw_data else None)


def normalise(events: Iterable[Event], source: str, raw_data: bool = True,
              mapping: str | None = None) -> bytes:
    """The OCSF part of a staged part: one JSON line per event."""
    return b"".join([orjson.dumps(to_ocsf(event, source, raw_data, mapping)) + b"\n"
                     for event in events])
