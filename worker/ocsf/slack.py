"""Slack Audit Logs entries → OCSF, by ``action`` (docs.slack.dev "Audit Logs API
methods & actions"): logins and logouts are Authentication; user and guest lifecycle
and role changes Account Change; channel membership Group Management; apps, bots,
tokens, workflows and settings (``pref.*``) Entity Management; any other action the
generic class, every field unmapped."""

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

PRODUCT = Product("Slack Audit Logs", "Slack")
_AUTH = {"user_login": (1, "Logon", SUCCESS), "user_login_failed": (1, "Logon", FAILURE),
         "user_logout": (2, "Logoff", SUCCESS), "user_session_invalidated": (2, "Logoff", None),
         "user_session_reset_by_admin": (2, "Logoff", None)}  # fmt: skip
_ACCOUNT = {
    **dict.fromkeys(("user_created", "guest_created"), (1, "Create")),
    **dict.fromkeys(("user_reactivated", "guest_reactivated"), (2, "Enable")),
    **dict.fromkeys(("user_deactivated", "guest_deactivated", "guest_expired"), (5, "Disable")),
    **dict.fromkeys(("role_change_to_admin", "role_change_to_owner", "role_change_to_primary_owner"),
                    (7, "Attach Policy")),
    **dict.fromkeys(("role_change_to_user", "role_change_to_guest"), (8, "Detach Policy")),
    "user_email_updated": (99, "Update"), "user_2fa_reset": (11, "MFA Factor Disable"),
    "user_password_reset": (4, "Password Reset"),
}  # fmt: skip
_GROUP = {
    **dict.fromkeys(("user_channel_join", "guest_channel_added", "user_added_to_usergroup"), (3, "Add User")),
    **dict.fromkeys(("user_channel_leave", "guest_channel_removed", "user_removed_from_usergroup"),
                    (4, "Remove User")),
    **dict.fromkeys(("public_channel_created", "private_channel_created", "usergroup_created"), (6, "Create")),
    **dict.fromkeys(("channel_deleted", "public_channel_deleted", "private_channel_deleted",
                     "usergroup_deleted"), (5, "Delete")),
}  # fmt: skip
_ENTITY_PREFIXES = ("app_", "bot_", "workflow_", "pref.", "api_token", "custom_integration_",
                    "emoji_", "organization_", "workspace_")  # fmt: skip


def _person(reader: Reader, *at: str) -> dict[str, Any] | None:
    return compact({"uid": reader.get(*at, "id"), "name": reader.get(*at, "name"),
                    "email_addr": reader.get(*at, "email")})  # fmt: skip


def _entity(reader: Reader, typed: bool = True) -> dict[str, Any] | None:
    """The entry's ``entity`` (``{"type": T, T: {...}}``); ``typed``: with its type."""
    kind = reader.peek("entity", "type")
    if not isinstance(kind, str) or not isinstance(reader.peek("entity", kind), dict):
        return None
    return compact({"uid": reader.get("entity", kind, "id"), "name": reader.get("entity", kind, "name"),
                    "type": reader.get("entity", "type") if typed else None})  # fmt: skip


def _common(reader: Reader) -> dict[str, Any]:
    return {
        "actor": compact({"user": _person(reader, "actor", "user")}),
        "src_endpoint": compact({"ip": reader.get("context", "ip_address")}),
        "http_request": compact({"user_agent": reader.get("context", "ua")}),
        "message": reader.get("action"),
    }


def _row(action: str) -> tuple[int, int, str, int | None] | None:
    if action in _AUTH:
        return (AUTHENTICATION, *_AUTH[action])
    if action in _ACCOUNT:
        return (ACCOUNT_CHANGE, *_ACCOUNT[action], None)
    if action in _GROUP:
        return (GROUP_MANAGEMENT, *_GROUP[action], None)
    if action.startswith(_ENTITY_PREFIXES):
        return (ENTITY_MANAGEMENT, *entity_activity(action), None)
    return None


def mapping(reader: Reader) -> Mapped:
    action = str(reader.peek("action") or "")
    row = _row(action)
    if row is None:
        mapped = generic(reader, action)
        mapped.product, mapped.metadata = PRODUCT, {"log_name": "audit/v1/logs"}
        return mapped
    class_uid, activity, label, status = row
    reader.get("id"), reader.get("date_create")
    attributes = _common(reader)
    actor_user = (attributes["actor"] or {}).get("user")
    if class_uid == AUTHENTICATION:
        attributes["user"] = actor_user or {"name": "unknown"}
        attributes["session"] = compact({"uid": reader.get("context", "session_id")})
    elif class_uid == ACCOUNT_CHANGE:
        user = _entity(reader, typed=False) if reader.peek("entity", "type") == "user" else None
        attributes["user"] = user or actor_user or {"name": "unknown"}
    elif class_uid == GROUP_MANAGEMENT:
        attributes["group"] = _entity(reader) or {"name": "unknown"}
        attributes["user"] = actor_user
    else:
        attributes["entity"] = _entity(reader) or {"name": action}
    metadata = compact({"log_name": "audit/v1/logs",
                        "tenant_uid": reader.get("context", "location", "id")}) or {}  # fmt: skip
    return Mapped(class_uid, activity, label, attributes, status, 1, PRODUCT, metadata)
