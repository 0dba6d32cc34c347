"""Microsoft Graph audit logs → OCSF: signIns are Authentication; directoryAudits by
``category`` and ``operationType`` (user lifecycle → Account Change, group membership
→ Group Management, roles → Account Change's policy activities, applications and
policies → Entity Management); anything else the generic class, every field unmapped."""

from __future__ import annotations

from typing import Any

from worker.ocsf._common import (
    ACCOUNT_CHANGE,
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
    generic,
)

PRODUCT = Product("Microsoft Entra ID", "Microsoft")
# (category, operationType) → (class_uid, activity_id, activity_name); a name-specific row first
_BY_NAME: dict[str, tuple[int, int, str]] = {
    "Reset password (by admin)": (ACCOUNT_CHANGE, 4, "Password Reset"),
    "Reset user password": (ACCOUNT_CHANGE, 4, "Password Reset"),
    "Change user password": (ACCOUNT_CHANGE, 3, "Password Change"),
    "Disable account": (ACCOUNT_CHANGE, 5, "Disable"),
    "Enable account": (ACCOUNT_CHANGE, 2, "Enable"),
}
_ROWS: dict[tuple[str, str], tuple[int, int, str]] = {
    ("UserManagement", "Add"): (ACCOUNT_CHANGE, 1, "Create"),
    ("UserManagement", "Delete"): (ACCOUNT_CHANGE, 6, "Delete"),
    ("UserManagement", "Update"): (ACCOUNT_CHANGE, OTHER, "Update"),
    ("GroupManagement", "Assign"): (GROUP_MANAGEMENT, 3, "Add User"),
    ("GroupManagement", "Unassign"): (GROUP_MANAGEMENT, 4, "Remove User"),
    ("GroupManagement", "Add"): (GROUP_MANAGEMENT, 6, "Create"),
    ("GroupManagement", "Delete"): (GROUP_MANAGEMENT, 5, "Delete"),
    ("RoleManagement", "Assign"): (ACCOUNT_CHANGE, 7, "Attach Policy"),
    ("RoleManagement", "Unassign"): (ACCOUNT_CHANGE, 8, "Detach Policy"),
    **{(category, op): (ENTITY_MANAGEMENT, activity, label)
       for category in ("ApplicationManagement", "Policy", "DirectoryManagement", "KeyManagement")
       for op, activity, label in (("Add", 1, "Create"), ("Update", 3, "Update"),
                                   ("Delete", 4, "Delete"))},
}  # fmt: skip
_RESULT = {"success": SUCCESS, "failure": FAILURE}


def _target(reader: Reader, kind: str) -> dict[str, Any] | None:
    for target in reader.peek("targetResources") or ():
        if isinstance(target, dict) and str(target.get("type", "")).lower() == kind.lower():
            return target
    return None


def _sign_in(reader: Reader) -> Mapped:
    for field in ("id", "createdDateTime"):
        reader.get(field)
    code = reader.get("status", "errorCode")
    attributes = {
        "user": compact({"uid": reader.get("userId"), "name": reader.get("userPrincipalName"),
                         "full_name": reader.get("userDisplayName")}) or {"name": "unknown"},
        "src_endpoint": compact({"ip": reader.get("ipAddress")}),
        "service": compact({"uid": reader.get("appId"), "name": reader.get("appDisplayName")}),
        "status_detail": reader.get("status", "failureReason"),
        "is_remote": None,
    }  # fmt: skip
    status = None if code is None else (SUCCESS if code == 0 else FAILURE)
    metadata = compact({"log_name": "signIns", "correlation_uid": reader.get("correlationId")})
    return Mapped(AUTHENTICATION, 1, "Logon", attributes, status, 1, PRODUCT, metadata or {})


def _audit(reader: Reader) -> Mapped:
    name, category = reader.peek("activityDisplayName"), reader.peek("category")
    row = _BY_NAME.get(str(name)) or _ROWS.get((str(category), str(reader.peek("operationType"))))
    if row is None:
        mapped = generic(reader, name)
        mapped.product, mapped.metadata = PRODUCT, {"log_name": "directoryAudits"}
        return mapped
    class_uid, activity, label = row
    for field in ("id", "activityDateTime", "activityDisplayName", "category", "operationType"):
        reader.get(field)
    actor_user = compact({"uid": reader.get("initiatedBy", "user", "id"),
                          "name": reader.get("initiatedBy", "user", "userPrincipalName")})
    attributes: dict[str, Any] = {
        "actor": compact({"user": actor_user}),
        "src_endpoint": compact({"ip": reader.get("initiatedBy", "user", "ipAddress")}),
        "message": name, "status_detail": reader.get("resultReason"),
    }  # fmt: skip
    user, group = _target(reader, "User"), _target(reader, "Group")
    if class_uid == ACCOUNT_CHANGE:
        target = user or (reader.peek("targetResources") or [{}])[0]
        attributes["user"] = compact({"uid": target.get("id"), "name": target.get("userPrincipalName")
                                      or target.get("displayName")}) or {"name": "unknown"}  # fmt: skip
    elif class_uid == GROUP_MANAGEMENT:
        attributes["group"] = compact({"uid": (group or {}).get("id"),
                                       "name": (group or {}).get("displayName")}) or {"name": "unknown"}
        attributes["user"] = compact({"uid": (user or {}).get("id"),
                                      "name": (user or {}).get("userPrincipalName")})  # fmt: skip
    else:
        target = (reader.peek("targetResources") or [{}])[0]
        attributes["entity"] = compact({"uid": target.get("id"), "name": target.get("displayName"),
                                        "type": target.get("type")}) or {"name": str(name)}  # fmt: skip
    result = reader.get("result")
    metadata = compact({"log_name": "directoryAudits", "correlation_uid": reader.get("correlationId")})
    return Mapped(class_uid, activity, label, attributes, _RESULT.get(str(result), OTHER)
                  if result is not None else None, 1, PRODUCT, metadata or {})  # fmt: skip


def mapping(reader: Reader) -> Mapped:
    if "createdDateTime" in reader.item and "activityDateTime" not in reader.item:
        return _sign_in(reader)
    return _audit(reader)
