"""GitHub audit log events → OCSF, by ``action`` (``category.verb``): sign-ins are
Authentication; organization membership and user accounts Account Change; team
membership Group Management; repositories, Git operations, tokens, keys, apps, hooks and
settings Entity Management (activity from ``operation_type`` or the verb); any other
category the generic class, every field unmapped."""

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

PRODUCT = Product("GitHub Audit Log", "GitHub")
# action → (class_uid, activity_id, activity_name, status_id or None)
_EXACT: dict[str, tuple[int, int, str, int | None]] = {
    "user.login": (AUTHENTICATION, 1, "Logon", SUCCESS),
    "user.failed_login": (AUTHENTICATION, 1, "Logon", FAILURE),
    "user.logout": (AUTHENTICATION, 2, "Logoff", SUCCESS),
    "org.add_member": (ACCOUNT_CHANGE, 1, "Create", None),
    "business.add_member": (ACCOUNT_CHANGE, 1, "Create", None),
    "user.create": (ACCOUNT_CHANGE, 1, "Create", None),
    "org.remove_member": (ACCOUNT_CHANGE, 6, "Delete", None),
    "business.remove_member": (ACCOUNT_CHANGE, 6, "Delete", None),
    "user.destroy": (ACCOUNT_CHANGE, 6, "Delete", None),
    "user.suspend": (ACCOUNT_CHANGE, 5, "Disable", None),
    "user.unsuspend": (ACCOUNT_CHANGE, 2, "Enable", None),
    "org.update_member": (ACCOUNT_CHANGE, 99, "Update", None),  # a member's role
    "business.add_admin": (ACCOUNT_CHANGE, 7, "Attach Policy", None),
    "business.remove_admin": (ACCOUNT_CHANGE, 8, "Detach Policy", None),
    "org.add_billing_manager": (ACCOUNT_CHANGE, 7, "Attach Policy", None),
    "org.remove_billing_manager": (ACCOUNT_CHANGE, 8, "Detach Policy", None),
    "user.two_factor_requested": (ACCOUNT_CHANGE, 99, "Other", None),
    "two_factor_authentication.enabled": (ACCOUNT_CHANGE, 10, "MFA Factor Enable", None),
    "two_factor_authentication.disabled": (ACCOUNT_CHANGE, 11, "MFA Factor Disable", None),
    "team.add_member": (GROUP_MANAGEMENT, 3, "Add User", None),
    "team.remove_member": (GROUP_MANAGEMENT, 4, "Remove User", None),
    "team.create": (GROUP_MANAGEMENT, 6, "Create", None),
    "team.destroy": (GROUP_MANAGEMENT, 5, "Delete", None),
    "team.add_repository": (GROUP_MANAGEMENT, 1, "Assign Privileges", None),
    "team.remove_repository": (GROUP_MANAGEMENT, 2, "Revoke Privileges", None),
}
# categories whose actions act on an entity (docs: "Audit log events for your enterprise")
_ENTITIES = frozenset({
    "repo", "git", "protected_branch", "repository_ruleset", "oauth_authorization", "oauth_access",
    "oauth_application", "personal_access_token", "integration", "integration_installation",
    "integration_installation_request", "hook", "public_key", "deploy_key", "org",
    "business", "org_credential_authorization", "environment", "secret_scanning", "team",
    "workflows", "actions_secret", "codespaces", "dependabot_alerts", "repository_secret_scanning",
})  # fmt: skip
_OPERATIONS = {"create": (1, "Create"), "access": (2, "Read"), "modify": (3, "Update"),
               "remove": (4, "Delete"), "transfer": (5, "Move"), "restore": (13, "Resume")}  # fmt: skip


def _actor(reader: Reader) -> dict[str, Any] | None:
    actor_id = reader.get("actor_id")
    user = compact({"name": reader.get("actor"), "uid": None if actor_id is None else str(actor_id)})
    return compact({"user": user})


def _common(reader: Reader) -> dict[str, Any]:
    ip = reader.get("actor_ip")
    location = compact({"country": reader.get("actor_location", "country_code")})
    return {
        "actor": _actor(reader),
        "src_endpoint": compact({"ip": ip, "location": location}),
        "http_request": compact({"user_agent": reader.get("user_agent")}),
    }


def _entity(reader: Reader, category: str) -> dict[str, Any]:
    for path in ("repository", "repo", "name", "hook_id", "fingerprint", "team"):
        value = reader.get(path)
        if value is not None and not isinstance(value, dict | list):
            return {"name": str(value), "type": category}
    return {"name": str(reader.peek("org") or category), "type": category}


def mapping(reader: Reader) -> Mapped:
    action = str(reader.peek("action") or "")
    category = action.partition(".")[0]
    row = _EXACT.get(action)
    if row is None and category not in _ENTITIES:
        mapped = generic(reader, action)
        mapped.product, mapped.metadata = PRODUCT, {"log_name": "audit-log"}
        return mapped
    for name in ("action", "_document_id", "@timestamp"):
        reader.get(name)
    attributes = _common(reader)
    actor_user = (attributes["actor"] or {}).get("user")
    status = None
    if row is None:
        operation = reader.get("operation_type")
        activity, label = _OPERATIONS.get(str(operation)) or entity_activity(action)
        class_uid = ENTITY_MANAGEMENT
        attributes["entity"] = _entity(reader, category)
    else:
        class_uid, activity, label, status = row
        target = compact({"name": reader.get("user"), "uid": _str(reader.get("user_id"))})
        if class_uid == AUTHENTICATION:
            attributes["user"] = actor_user or target or {"name": "unknown"}
        elif class_uid == ACCOUNT_CHANGE:
            attributes["user"] = target or actor_user or {"name": "unknown"}
        else:
            attributes["group"] = compact({"name": reader.get("team")}) or {"name": "unknown"}
            attributes["user"] = target
    attributes["message"] = action
    metadata = compact({"log_name": "audit-log", "tenant_uid": _str(reader.get("business_id"))}) or {}
    return Mapped(class_uid, activity, label, attributes, status, 1, PRODUCT, metadata)


def _str(value: object) -> str | None:
    return None if value is None else str(value)
