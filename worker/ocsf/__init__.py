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

from shared.log import get_logger
from worker.ocsf import google, okta
from worker.ocsf._common import OCSF_VERSION, Mapped, Reader, assemble, generic
from worker.sources.base import Event

__all__ = ["OCSF_VERSION", "normalise", "to_ocsf"]

log = get_logger(__name__)


def _mapping(reader: Reader) -> Mapped:
    item = reader.item
    if isinstance(item.get("id"), dict) and "applicationName" in item["id"]:
        return google.mapping(reader)
    if "eventType" in item and "uuid" in item:
        return okta.mapping(reader)
    return generic(reader)


def to_ocsf(event: Event, source: str, raw_data: bool = True) -> dict[str, Any]:
    """One event as an OCSF object (``source``: the logpull source id it was read by).
    An event a mapping cannot handle (a shape it never expected) gets the generic class
    rather than hold its page back: normalising never fails a commit."""
    item = orjson.loads(event.raw)
    reader = Reader(item if isinstance(item, dict) else {"value": item})
    try:
        mapped = _mapping(reader)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        log.warning("ocsf_mapping_failed", uid=event.identity, error=f"{type(exc).__name__}: {exc}")
        reader = Reader(reader.item)
        mapped = generic(reader)
    return assemble(mapped, reader, event.identity, event.time, source, event.raw if raw_data else None)


def normalise(events: Iterable[Event], source: str, raw_data: bool = True) -> bytes:
    """The OCSF part of a staged part: one JSON line per event."""
    return b"".join([orjson.dumps(to_ocsf(event, source, raw_data)) + b"\n" for event in events])
