"""Google Reports API Activities → OCSF, one table per application.

An Activity names its application (``id.applicationName``) and carries one or more
``events``; the first one's ``name`` picks the row. An event name a table does not list
gets the table's class with activity Other; an application without a table gets the
generic class. ``events`` (with every parameter) always stays in ``unmapped``.
"""

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
    generic,
)

PRODUCT = Product("Google Workspace", "Google")

# event name → (activity_id, activity_name, status_id; None: from the event's parameters)
_LOGIN: dict[str, tuple[int, str, int | None]] = {
    "login_success": (1, "Logon", SUCCESS),
    "login_failure": (1, "Logon", FAILURE),
    "login_challenge": (1, "Logon", None),
    "login_verification": (1, "Logon", None),
    "logout": (2, "Logoff", SUCCESS),
}
_SAML: dict[str, tuple[int, str, int | None]] = {
    "login_success": (1, "Logon", SUCCESS),
    "login_failure": (1, "Logon", FAILURE),
}
# admin: event name → (class_uid, activity_id, activity_name)
_ADMIN: dict[str, tuple[int, int, str]] = {
    "CREATE_USER": (ACCOUNT_CHANGE, 1, "Create"),
    "UNSUSPEND_USER": (ACCOUNT_CHANGE, 2, "Enable"),
    "UNARCHIVE_USER": (ACCOUNT_CHANGE, 2, "Enable"),
    "CHANGE_PASSWORD": (ACCOUNT_CHANGE, 4, "Password Reset"),  # an admin sets a user's password
    "SUSPEND_USER": (ACCOUNT_CHANGE, 5, "Disable"),
    "ARCHIVE_USER": (ACCOUNT_CHANGE, 5, "Disable"),
    "DELETE_USER": (ACCOUNT_CHANGE, 6, "Delete"),
    "ASSIGN_ROLE": (ACCOUNT_CHANGE, 7, "Attach Policy"),
    "GRANT_ADMIN_PRIVILEGE": (ACCOUNT_CHANGE, 7, "Attach Policy"),
    "UNASSIGN_ROLE": (ACCOUNT_CHANGE, 8, "Detach Policy"),
    "REVOKE_ADMIN_PRIVILEGE": (ACCOUNT_CHANGE, 8, "Detach Policy"),
    "ENROLL_USER_IN_2SV": (ACCOUNT_CHANGE, 10, "MFA Factor Enable"),
    "TURN_OFF_2_STEP_VERIFICATION": (ACCOUNT_CHANGE, 11, "MFA Factor Disable"),
    "ADD_GROUP_MEMBER": (GROUP_MANAGEMENT, 3, "Add User"),
    "REMOVE_GROUP_MEMBER": (GROUP_MANAGEMENT, 4, "Remove User"),
    "DELETE_GROUP": (GROUP_MANAGEMENT, 5, "Delete"),
    "CREATE_GROUP": (GROUP_MANAGEMENT, 6, "Create"),
}
_TOKEN: dict[str, tuple[int, str]] = {
    "authorize": (1, "Create"),
    "request": (2, "Read"),
    "activity": (2, "Read"),
    "revoke": (4, "Delete"),
}
_CHALLENGE_PASSED = {"challenge passed", "passed"}
_SUSPICIOUS_SEVERITY = 4  # High


def params(event: Any) -> dict[str, Any]:
    """An event's parameters by name (``value``, ``boolValue``, ``multiValue``, …)."""
    found: dict[str, Any] = {}
    for param in (event or {}).get("parameters") or ():
        if isinstance(param, dict) and "name" in param:
            found[param["name"]] = next((v for k, v in param.items() if k != "name"), None)
    return found


def _first_event(reader: Reader) -> dict[str, Any]:
    events = reader.peek("events")
    first = events[0] if isinstance(events, list) and events else {}
    return first if isinstance(first, dict) else {}


def _actor_user(reader: Reader) -> dict[str, Any] | None:
    email = reader.get("actor", "email")
    return compact({"email_addr": email, "name": email, "uid": reader.get("actor", "profileId")})


def _common(reader: Reader) -> dict[str, Any]:
    user = _actor_user(reader)
    return {"actor": compact({"user": user}), "src_endpoint": compact({"ip": reader.get("ipAddress")}),
            "message": _first_event(reader).get("name")}


def _auth(reader: Reader, table: dict[str, tuple[int, str, int | None]], protocol: int | None) -> Mapped:
    event = _first_event(reader)
    values = params(event)
    activity, label, status = table.get(event.get("name", ""), (OTHER, str(event.get("name") or "Other"), None))
    if status is None and "login_challenge_status" in values:
        status = SUCCESS if str(values["login_challenge_status"]).lower() in _CHALLENGE_PASSED else FAILURE
    mfa = bool(values.get("is_second_factor")) or "login_challenge_method" in values or None
    attributes = _common(reader)
    attributes.update(user=attributes["actor"]["user"] if attributes["actor"] else {"name": "unknown"},
                      is_mfa=mfa, auth_protocol_id=protocol,
                      status_detail=values.get("login_failure_type"),
                      service=compact({"name": values.get("application_name")}))
    severity = _SUSPICIOUS_SEVERITY if values.get("is_suspicious") is True else 1
    return Mapped(AUTHENTICATION, activity, label, attributes, status if status is not None else OTHER, severity)


def login(reader: Reader) -> Mapped:
    return _auth(reader, _LOGIN, None)


def saml(reader: Reader) -> Mapped:
    return _auth(reader, _SAML, 5)  # auth_protocol_id 5: SAML


def admin(reader: Reader) -> Mapped:
    event = _first_event(reader)
    name, values = str(event.get("name") or "Other"), params(event)
    class_uid, activity, label = _ADMIN.get(name, (ENTITY_MANAGEMENT, OTHER, name))
    attributes = _common(reader)
    target = compact({"email_addr": values.get("USER_EMAIL"), "name": values.get("USER_EMAIL")})
    if class_uid == ACCOUNT_CHANGE:
        attributes["user"] = target or {"name": "unknown"}
    elif class_uid == GROUP_MANAGEMENT:
        attributes.update(user=target, group=compact({"name": values.get("GROUP_EMAIL")}) or {"name": "unknown"})
    else:
        attributes["entity"] = compact({"type": event.get("type"), "name": name}) or {"name": "unknown"}
    return Mapped(class_uid, activity, label, attributes, SUCCESS)


def token(reader: Reader) -> Mapped:
    event = _first_event(reader)
    name, values = str(event.get("name") or "Other"), params(event)
    activity, label = _TOKEN.get(name, (OTHER, name))
    attributes = _common(reader)
    attributes.update(
        actor=attributes["actor"] or {"app_name": "unknown"},
        src_endpoint=attributes["src_endpoint"] or {"name": "unknown"},
        api={"operation": name, "service": compact({"name": values.get("app_name"), "uid": values.get("client_id")})},
    )
    return Mapped(API_ACTIVITY, activity, label, attributes, SUCCESS)


def other(reader: Reader) -> Mapped:
    return generic(reader, _first_event(reader).get("name"))


TABLE = {"login": login, "saml": saml, "admin": admin, "token": token}


def mapping(reader: Reader) -> Mapped:
    """The Activity's application picks its table; ``id`` becomes ``time`` and metadata
    (its four fields are the event's identity, ``metadata.uid``)."""
    application = reader.peek("id", "applicationName")
    mapped = TABLE.get(application if isinstance(application, str) else "", other)(reader)
    if mapped.class_uid == 0:  # the generic class keeps every field in unmapped
        mapped.metadata = {"log_name": application} if isinstance(application, str) else {}
    else:
        reader.get("id", "time")
        reader.get("id", "uniqueQualifier")
        mapped.metadata = compact({"log_name": reader.get("id", "applicationName"),
                                   "tenant_uid": reader.get("id", "customerId")}) or {}
    mapped.product = PRODUCT
    return mapped
