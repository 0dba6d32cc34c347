"""``logpull demo --ocsf``: the normalised output counted against the raw one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shared.config import Settings
from shared.sink_reader import iter_committed_items
from worker.context import build_source


@dataclass(frozen=True)
class OcsfCount:
    objects: int  # OCSF objects committed under ocsf_url
    events: int  # raw events committed under url
    missing: int  # raw events without their OCSF object (by metadata.uid)
    duplicates: int  # OCSF objects beyond the first for one event
    unexpected: int  # OCSF objects of no committed raw event

    @property
    def exact(self) -> bool:
        return not (self.missing or self.duplicates or self.unexpected)


def count_ocsf(settings: Settings, raw_root: Path, ocsf_root: Path) -> OcsfCount:
    """One OCSF object per committed raw event, matched by ``metadata.uid`` (the
    source's identity of the event)."""
    source = build_source(settings.sources[0], settings)
    raw = Counter(source.identity(item) for item in iter_committed_items(raw_root))
    uids = Counter(str(obj.get("metadata", {}).get("uid")) for obj in iter_committed_items(ocsf_root))
    return OcsfCount(
        objects=sum(uids.values()),
        events=sum(raw.values()),
        missing=sum(1 for uid in raw if uid not in uids),
        duplicates=sum(n - 1 for n in uids.values() if n > 1),
        unexpected=sum(1 for uid in uids if uid not in raw),
    )
