"""1Password Events API → OCSF, one mapping for the three streams, told apart by shape:
sign-in attempts (``category``, ``type``) are Authentication; item usages
(``item_uuid``, ``used_version``) API Activity on the item; audit events by
``object_type`` (users Account Change, groups and group memberships Group Management,
vaults, items, devices, invitations, SSO and the rest Entity Management) and ``action``."""

from __future__ import annotations

from typing import Any

from worker.ocsf._common import (
    ACCOUNT_CHANGE,
    API_ACTIVITY,
    AUTHENTICATION,
    ENTITY_MANAGEMENT,
    FAILURE,
    GROUP_MANAGEMENT,
    OTHER,
    SUCCESS,
    Mapped,
    Product,
    Reader,
    compact,
    entity_activity,
    generic,
)

PRODUCT = Product("1Password Events API", "1Password")
_SIGNIN_OK = frozenset({"success", "firewall_reported_success"})
# audit events: action of a user object → Account Change activity
_USER = {"create": (1, "Create"), "join": (1, "Create"), "activate": (2, "Enable"), "reactivate": (2, "Enable"),
         "unsuspend": (2, "Enable"), "suspend": (5, "Disable"), "delete": (6, "Delete"), "sdelete": (6, "Delete"),
         "grant": (7, "Attach Policy"), "role": (7, "Attach Policy"), "revoke": (8, "Detach Policy"),
         "comr": (4, "Password Reset"), "changemk": (3, "Password Change"), "disablemfa": (11, "MFA Factor Disable"),
         "enblmfa": (10, "MFA Factor Enable"), "lock": (9, "Lock"), "unlock": (12, "Unlock")}  # fmt: skip
# of a group, group membership (gm) or group vault access (gva) → Group Management
_GROUP = {"join": (3, "Add User"), "leave": (4, "Remove User"), "create": (6, "Create"),
          "delete": (5, "Delete"), "grant": (1, "Assign Privileges"), "revoke": (2, "Revoke Privileges")}  # fmt: skip
# of anything else: granting or revoking access changes the vault (or item), not deletes it
_ACCESS = {"grant": (3, "Update"), "revoke": (3, "Update")}
_USER_OBJECTS, _GROUP_OBJECTS = frozenset({"user", "uva"}), frozenset({"group", "gm", "gva"})


def _person(reader: Reader, at: str) -> dict[str, Any] | None:
    return compact({"uid": reader.get(at, "uuid"), "name": reader.get(at, "name"),
                    "email_addr": reader.get(at, "email")})  # fmt: skip


def _client(reader: Reader) -> dict[str, Any]:
    """``src_endpoint`` from the client's address (the rest of ``client`` stays unmapped)."""
    ip = reader.get("client", "ip_address")
    location = compact({"country": reader.get("location", "country")}) if ip else None
    return {"src_endpoint": compact({"ip": ip, "location": location}) if ip else None}


def _sign_in(reader: Reader) -> Mapped:
    reader.get("uuid"), reader.get("timestamp")
    category = reader.get("category")
    attributes = {"user": _person(reader, "target_user") or {"name": "unknown"},
                  "status_code": category, "status_detail": reader.get("type"), "session": compact({"uid": reader.get("session_uuid")}),
                  **_client(reader)}  # fmt: skip
    status = SUCCESS if category in _SIGNIN_OK else FAILURE if category else None
    return Mapped(AUTHENTICATION, 1, "Logon", attributes, status, 1, PRODUCT, {"log_name": "signinattempts"})


def _item_usage(reader: Reader) -> Mapped:
    reader.get("uuid"), reader.get("timestamp")
    action = str(reader.get("action") or "use")
    activity, label = entity_activity(action, api=True)
    version = reader.get("used_version")
    attributes = {
        "actor": compact({"user": _person(reader, "user")}) or {"app_name": "unknown"},
        "api": {"operation": action, "service": {"name": "1Password"}},
        "resources": [compact({"uid": reader.get("item_uuid"), "type": "item",
                               "version": None if version is None else str(version)}),
                      compact({"uid": reader.get("vault_uuid"), "type": "vault"})],
        **_client(reader),
    }  # fmt: skip
    attributes["src_endpoint"] = attributes["src_endpoint"] or {"name": "unknown"}
    attributes["resources"] = [r for r in attributes["resources"] if r and "uid" in r] or None
    return Mapped(API_ACTIVITY, activity, label, attributes, None, 1, PRODUCT, {"log_name": "itemusages"})


def _audit(reader: Reader) -> Mapped:
    action, kind = str(reader.peek("action") or ""), str(reader.peek("object_type") or "")
    for name in ("uuid", "timestamp", "action", "object_type"):
        reader.get(name)
    actor = compact({"user": _person(reader, "actor_details") or compact({"uid": reader.get("actor_uuid")}),
                     "session": compact({"uid": reader.get("session", "uuid")})})  # fmt: skip
    ip = reader.get("session", "ip")
    attributes: dict[str, Any] = {
        "actor": actor, "message": f"{action} {kind}".strip(),
        "src_endpoint": compact({"ip": ip, "location": compact({"country": reader.get("location", "country")})})
        if ip else None,
    }  # fmt: skip
    target = compact({"uid": reader.get("object_uuid")})
    if kind in _USER_OBJECTS:
        class_uid, (activity, label) = ACCOUNT_CHANGE, _USER.get(action.lower(), (OTHER, action.capitalize()))
        attributes["user"] = target or {"name": "unknown"}
    elif kind in _GROUP_OBJECTS:
        class_uid, (activity, label) = GROUP_MANAGEMENT, _GROUP.get(action.lower(), (OTHER, action.capitalize()))
        attributes["group"] = {**(target or {"name": "unknown"}), "type": kind}
    else:
        class_uid, (activity, label) = ENTITY_MANAGEMENT, _ACCESS.get(action.lower()) or entity_activity(action)
        attributes["entity"] = compact({**(target or {"name": kind or "unknown"}), "type": kind})
    return Mapped(class_uid, activity, label, attributes, None, 1, PRODUCT, {"log_name": "auditevents"})


def mapping(reader: Reader) -> Mapped:
    item = reader.item
    if "category" in item and "type" in item:
        return _sign_in(reader)
    if "item_uuid" in item:
        return _item_usage(reader)
    if "object_type" in item and "action" in item:
        return _audit(reader)
    mapped = generic(reader, item.get("action"))
    mapped.product = PRODUCT
    return mapped
