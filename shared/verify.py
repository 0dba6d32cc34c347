"""Count, event by event, what the sink committed against a ground truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from shared.sink_reader import iter_committed_items

GOOGLE_IDENTITY = ("applicationName", "customerId", "time", "uniqueQualifier")


def google_identity(item: dict[str, Any]) -> tuple[str, ...]:
    """CONTRACT.md: (id.applicationName, id.customerId, id.time, id.uniqueQualifier)."""
    ident = item.get("id") or {}
    return tuple(str(ident.get(k, "")) for k in GOOGLE_IDENTITY)


def okta_identity(item: dict[str, Any]) -> tuple[str, ...]:
    """An Okta LogEvent's ``uuid``."""
    return (str(item.get("uuid", "")),)


IDENTITIES = {"google_reports": google_identity, "okta_system_log": okta_identity}


@dataclass(frozen=True)
class Comparison:
    expected: int
    committed: int
    missing: int
    duplicates: int
    unexpected: int
    altered: int

    @property
    def exact(self) -> bool:
        return self.missing == 0 and self.duplicates == 0 and self.unexpected == 0 and self.altered == 0


def compare(truth: Iterable[dict[str, Any]], committed: Iterable[dict[str, Any]],
            kind: str = "google_reports",
            identity: Callable[[dict[str, Any]], tuple[str, ...]] | None = None) -> Comparison:
    """Missing, duplicated, unexpected and altered events (raw item differs from truth);
    ``identity``: an event's identity, for a kind without one here."""
    identity = identity or IDENTITIES[kind]
    expected = {identity(item): item for item in truth}
    seen: Counter[tuple[str, ...]] = Counter()
    altered = 0
    for item in committed:
        ident = identity(item)
        seen[ident] += 1
        original = expected.get(ident)
        raw = {k: v for k, v in item.items() if k != "_logpull"}
        if original is not None and seen[ident] == 1 and raw != original:
            altered += 1
    return Comparison(
        expected=len(expected),
        committed=sum(seen.values()),
        missing=sum(1 for ident in expected if ident not in seen),
        duplicates=sum(count - 1 for count in seen.values() if count > 1),
        unexpected=sum(1 for ident in seen if ident not in expected),
        altered=altered,
    )


def compare_sink(truth: Iterable[dict[str, Any]], root: str, kind: str = "google_reports") -> Comparison:
    from pathlib import Path

    return compare(truth, iter_committed_items(Path(root)), kind)
