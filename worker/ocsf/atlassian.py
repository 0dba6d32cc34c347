"""Atlassian organization audit log events → OCSF, by ``attributes.action``: logins are
Authentication; user lifecycle and product access Account Change; group membership and
groups Group Management; API tokens and keys, policies, domains, apps and settings
Entity Management; any other action the generic class, every field unmapped."""

from __future__ import annotations

from typing import Any

from worker.ocsf._common import (
    ACCOUNT_CHANGE,
    AUTHENTICATION,
    ENTITY_MANAGEMENT,
    FAILURE,
    GROUP_MANAGEMENT,
    SUCCESS,
    Mapped,
    Product,
    Reader,
    compact,
    entity_activity,
    generic,
)

PRODUCT = Product("Atlassian Organization Audit Log", "Atlassian")
A = "attributes"
_EXACT: dict[str, tuple[int, int, str, int | None]] = {
    "user_login": (AUTHENTICATION, 1, "Logon", SUCCESS),
    "user_logged_in": (AUTHENTICATION, 1, "Logon", SUCCESS),
    "user_login_failed": (AUTHENTICATION, 1, "Logon", FAILURE),
    "user_logged_out": (AUTHENTICATION, 2, "Logoff", SUCCESS),
    "user_created": (ACCOUNT_CHANGE, 1, "Create", None),
    "user_invited": (ACCOUNT_CHANGE, 1, "Create", None),
    "user_activated": (ACCOUNT_CHANGE, 2, "Enable", None),
    "user_reactivated": (ACCOUNT_CHANGE, 2, "Enable", None),
    "user_deactivated": (ACCOUNT_CHANGE, 5, "Disable", None),
    "user_suspended": (ACCOUNT_CHANGE, 5, "Disable", None),
    "user_deleted": (ACCOUNT_CHANGE, 6, "Delete", None),
    "user_password_changed": (ACCOUNT_CHANGE, 3, "Password Change", None),
    "user_password_reset": (ACCOUNT_CHANGE, 4, "Password Reset", None),
    "product_access_granted": (ACCOUNT_CHANGE, 7, "Attach Policy", None),
    "product_access_revoked": (ACCOUNT_CHANGE, 8, "Detach Policy", None),
    "user_added_to_group": (GROUP_MANAGEMENT, 3, "Add User", None),
    "user_removed_from_group": (GROUP_MANAGEMENT, 4, "Remove User", None),
    "group_created": (GROUP_MANAGEMENT, 6, "Create", None),
    "group_deleted": (GROUP_MANAGEMENT, 5, "Delete", None),
    "group_product_access_granted": (GROUP_MANAGEMENT, 1, "Assign Privileges", None),
    "group_product_access_revoked": (GROUP_MANAGEMENT, 2, "Revoke Privileges", None),
}
_ENTITY_PREFIXES = ("api_token", "api_key", "policy", "domain", "app_", "authentication_policy",
                    "sso_", "saml_", "scim_", "org_", "site_", "product_", "data_security", "ip_allowlist")  # fmt: skip


def _row(action: str) -> tuple[int, int, str, int | None] | None:
    if action in _EXACT:
        return _EXACT[action]
    if action.startswith(_ENTITY_PREFIXES):
        return (ENTITY_MANAGEMENT, *entity_activity(action), None)
    return None


def _first(reader: Reader, name: str, kind: str) -> dict[str, Any] | None:
    """The first of ``attributes.<name>`` (context or container) of type ``kind``."""
    for item in reader.peek(A, name) or ():
        if isinstance(item, dict) and item.get("type") == kind:
            return compact({"uid": item.get("id"), "name": item.get("name")})
    return None


def mapping(reader: Reader) -> Mapped:
    action = str(reader.peek(A, "action") or "")
    row = _row(action)
    if row is None:
        mapped = generic(reader, action)
        mapped.product, mapped.metadata = PRODUCT, {"log_name": "events"}
        return mapped
    class_uid, activity, label, status = row
    for path in (("id",), (A, "time"), (A, "action")):
        reader.get(*path)
    actor_user = compact({"uid": reader.get(A, "actor", "id"), "name": reader.get(A, "actor", "name"),
                          "email_addr": reader.get(A, "actor", "email")})  # fmt: skip
    ip = reader.get(A, "location", "ip")
    country = reader.get(A, "location", "countryName") if ip else None
    attributes: dict[str, Any] = {
        "actor": compact({"user": actor_user}), "message": action,
        "src_endpoint": compact({"ip": ip, "location": compact({"country": country})}),
    }  # fmt: skip
    target_user = _first(reader, "context", "user")
    if class_uid == AUTHENTICATION:
        attributes["user"] = actor_user or {"name": "unknown"}
    elif class_uid == ACCOUNT_CHANGE:
        attributes["user"] = target_user or actor_user or {"name": "unknown"}
    elif class_uid == GROUP_MANAGEMENT:
        attributes["group"] = _first(reader, "context", "group") or {"name": "unknown"}
        attributes["user"] = target_user
    else:
        context = (reader.peek(A, "context") or [{}])[0]
        attributes["entity"] = compact({"uid": context.get("id"), "name": context.get("name"),
                                        "type": context.get("type")}) or {"name": action}  # fmt: skip
    return Mapped(class_uid, activity, label, attributes, status, 1, PRODUCT, {"log_name": "events"})
