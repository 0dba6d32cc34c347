"""What every OCSF object shares: the base attributes, time, metadata and ``unmapped``.

A mapping module reads an event through a ``Reader``, which remembers every field it
used; whatever it did not use (a whole subtree where none of it was used) goes to
``unmapped``, so nothing of the event is lost even with ``ocsf_raw = false``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.timeutil import parse_instant

OCSF_VERSION = "1.5.0"

# class_uid: (category_uid, class name)
CLASSES: dict[int, tuple[int, str]] = {
    0: (0, "Base Event"),
    3001: (3, "Account Change"),
    3002: (3, "Authentication"),
    3004: (3, "Entity Management"),
    3006: (3, "Group Management"),
    6003: (6, "API Activity"),
}
BASE_EVENT, ACCOUNT_CHANGE, AUTHENTICATION, ENTITY_MANAGEMENT, GROUP_MANAGEMENT, API_ACTIVITY = (
    0, 3001, 3002, 3004, 3006, 6003)
OTHER = 99  # activity_id / status_id "Other"
SUCCESS, FAILURE = 1, 2  # status_id
INFORMATIONAL = 1  # severity_id

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def epoch_ms(instant: str) -> int:
    """``2026-11-01T00:00:00.123Z`` → milliseconds since the epoch (exact, no float)."""
    return (parse_instant(instant) - _EPOCH) // _MS


class Reader:
    """The event as a dict, and the paths of the fields a mapping took from it."""

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item
        self._used: set[tuple[str, ...]] = set()

    def get(self, *path: str) -> Any:
        """The value at ``path`` (``None`` if absent); a value found counts as mapped
        unless it is empty (``""``, ``{}``, ``[]``): no object carries those, so such a
        field stays in ``unmapped``."""
        value: Any = self.item
        for name in path:
            if not isinstance(value, dict) or name not in value:
                return None
            value = value[name]
        if not _empty(value):
            self._used.add(path)
        return value

    def peek(self, *path: str) -> Any:
        """Like ``get``, but the field stays in ``unmapped`` (read to decide, not mapped)."""
        value: Any = self.item
        for name in path:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value

    def unmapped(self) -> dict[str, Any]:
        return _without(self.item, self._used, ())


def _empty(value: Any) -> bool:
    """None, ``""``, ``{}`` or ``[]``: never put in an object (a field holding one stays unmapped)."""
    return value is None or (isinstance(value, str | dict | list) and not value)


def _without(node: dict[str, Any], used: set[tuple[str, ...]], at: tuple[str, ...]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, value in node.items():
        path = (*at, name)
        if path in used:
            continue
        if isinstance(value, dict) and any(u[: len(path)] == path for u in used):
            rest = _without(value, used, path)
            if rest:
                kept[name] = rest
        else:
            kept[name] = value
    return kept


@dataclass(frozen=True)
class Product:
    name: str
    vendor_name: str


@dataclass
class Mapped:
    """What a mapping decided: the class, the activity and the class's own attributes."""

    class_uid: int
    activity_id: int
    activity_name: str
    attributes: dict[str, Any] = field(default_factory=dict)
    status_id: int | None = None
    severity_id: int = INFORMATIONAL
    product: Product | None = None  # None: the logpull source's id names it
    metadata: dict[str, Any] = field(default_factory=dict)  # log_name, tenant_uid, …


Mapper = Callable[[Reader], Mapped]


def assemble(mapped: Mapped, reader: Reader, uid: str, time: str, source: str,
             raw: bytes | None) -> dict[str, Any]:
    """The OCSF object: base attributes, then the class's, then ``unmapped``/``raw_data``.
    ``uid`` and ``time``: the event's identity and instant as the source gives them."""
    category_uid, class_name = CLASSES[mapped.class_uid]
    product = mapped.product or Product(source, "unknown")
    metadata = {"version": OCSF_VERSION, "uid": uid, "log_name": source,
                "product": {"name": product.name, "vendor_name": product.vendor_name}}
    metadata.update(mapped.metadata)
    obj: dict[str, Any] = {
        "class_uid": mapped.class_uid,
        "class_name": class_name,
        "category_uid": category_uid,
        "activity_id": mapped.activity_id,
        "activity_name": mapped.activity_name,
        "type_uid": mapped.class_uid * 100 + mapped.activity_id,
        "severity_id": mapped.severity_id,
        "time": epoch_ms(time),
        "metadata": metadata,
    }
    if mapped.status_id is not None:
        obj["status_id"] = mapped.status_id
    obj.update({k: v for k, v in mapped.attributes.items() if not _empty(v)})
    rest = reader.unmapped()
    if rest:
        obj["unmapped"] = rest
    if raw is not None:
        obj["raw_data"] = raw.decode("utf-8")
    return obj


def generic(reader: Reader, name: object = None) -> Mapped:
    """No mapping covers it: Base Event, activity Other, every field in ``unmapped``."""
    label = name if isinstance(name, str) and name else "Other"
    return Mapped(BASE_EVENT, OTHER, label)


def compact(values: dict[str, Any]) -> dict[str, Any] | None:
    """``values`` without empty members; None when nothing is left."""
    kept = {k: v for k, v in values.items() if not _empty(v)}
    return kept or None


# The verb of an action name (its last word) → Entity Management's activity (API Activity
# shares 1-4); a verb not here is activity Other under the action's own name.
_ENTITY_VERBS: dict[str, tuple[int, str]] = {
    **dict.fromkeys(("create", "created", "add", "added", "install", "installed", "generate",
                     "generated", "new", "regenerate", "server-create"), (1, "Create")),
    **dict.fromkeys(("read", "access", "accessed", "clone", "fetch", "download", "downloaded",
                     "view", "viewed", "fill", "reveal", "secure-copy", "export", "server-fetch",
                     "select-sso-provider", "sso-fill", "enter-item-edit-mode"), (2, "Read")),
    **dict.fromkeys(("update", "updated", "modify", "modified", "change", "changed", "edit", "rename",
                     "renamed", "push", "set", "server-update", "patch", "replace"), (3, "Update")),
    **dict.fromkeys(("delete", "deleted", "destroy", "remove", "removed", "revoke", "revoked",
                     "uninstall", "uninstalled", "purge", "trash"), (4, "Delete")),
    **dict.fromkeys(("transfer", "move", "moved"), (5, "Move")),
    **dict.fromkeys(("enable", "enabled", "approve", "approved", "unhide"), (8, "Enable")),
    **dict.fromkeys(("disable", "disabled", "restrict", "restricted", "block", "hide"), (9, "Disable")),
    **dict.fromkeys(("suspend", "suspended"), (12, "Suspend")),
    **dict.fromkeys(("unsuspend", "resume", "reactivate", "restore"), (13, "Resume")),
}


def entity_activity(action: str, api: bool = False) -> tuple[int, str]:
    """The activity of an action on an entity from its verb (the last word after ``.``,
    ``_`` or a space, or the whole action); Other under the action's own name if none
    fits. ``api``: API Activity, whose activities are Create/Read/Update/Delete only."""
    words = [action.lower(), *action.lower().replace(".", " ").replace("_", " ").split()[::-1]]
    for word in words:
        found = _ENTITY_VERBS.get(word)
        if found is not None and (not api or found[0] <= 4):  # noqa: PLR2004
            return found
    return OTHER, action
