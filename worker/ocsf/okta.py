"""Okta System Log LogEvents → OCSF, by ``eventType`` (exact names, then prefixes).

``user.session.*`` and ``user.authentication.*`` are Authentication,
``user.account.*`` and ``user.lifecycle.*`` Account Change; any other event type gets
the generic class with every field in ``unmapped``.
"""

from __future__ import annotations

from typing import Any

from worker.ocsf._common import (
    ACCOUNT_CHANGE,
    AUTHENTICATION,
    FAILURE,
    OTHER,
    SUCCESS,
    Mapped,
    Product,
    Reader,
    compact,
    generic,
)

PRODUCT = Product("Okta", "Okta")

# eventType → (class_uid, activity_id, activity_name); a prefix ends with "."
_EXACT: dict[str, tuple[int, int, str]] = {
    "user.session.start": (AUTHENTICATION, 1, "Logon"),
    "user.session.end": (AUTHENTICATION, 2, "Logoff"),
    "user.session.expire": (AUTHENTICATION, 2, "Logoff"),
    "user.session.clear": (AUTHENTICATION, 2, "Logoff"),
    "user.authentication.sso": (AUTHENTICATION, 1, "Logon"),
    "user.authentication.auth_via_mfa": (AUTHENTICATION, 1, "Logon"),
    "user.authentication.authenticate": (AUTHENTICATION, 1, "Logon"),
    "user.authentication.verify": (AUTHENTICATION, 1, "Logon"),
    "user.lifecycle.create": (ACCOUNT_CHANGE, 1, "Create"),
    "user.lifecycle.activate": (ACCOUNT_CHANGE, 2, "Enable"),
    "user.lifecycle.reactivate": (ACCOUNT_CHANGE, 2, "Enable"),
    "user.lifecycle.unsuspend": (ACCOUNT_CHANGE, 2, "Enable"),
    "user.account.update_password": (ACCOUNT_CHANGE, 3, "Password Change"),
    "user.account.reset_password": (ACCOUNT_CHANGE, 4, "Password Reset"),
    "user.lifecycle.deactivate": (ACCOUNT_CHANGE, 5, "Disable"),
    "user.lifecycle.suspend": (ACCOUNT_CHANGE, 5, "Disable"),
    "user.lifecycle.delete.initiated": (ACCOUNT_CHANGE, 6, "Delete"),
    "user.lifecycle.delete.completed": (ACCOUNT_CHANGE, 6, "Delete"),
    "user.account.privilege.grant": (ACCOUNT_CHANGE, 7, "Attach Policy"),
    "user.account.privilege.revoke": (ACCOUNT_CHANGE, 8, "Detach Policy"),
    "user.account.lock": (ACCOUNT_CHANGE, 9, "Lock"),
    "user.account.lock.limit": (ACCOUNT_CHANGE, 9, "Lock"),
    "user.mfa.factor.activate": (ACCOUNT_CHANGE, 10, "MFA Factor Enable"),
    "user.mfa.factor.deactivate": (ACCOUNT_CHANGE, 11, "MFA Factor Disable"),
    "user.account.unlock": (ACCOUNT_CHANGE, 12, "Unlock"),
}
_PREFIXES: tuple[tuple[str, int], ...] = (
    ("user.session.", AUTHENTICATION),
    ("user.authentication.", AUTHENTICATION),
    ("user.account.", ACCOUNT_CHANGE),
    ("user.lifecycle.", ACCOUNT_CHANGE),
)
_STATUS = {"SUCCESS": SUCCESS, "ALLOW": SUCCESS, "FAILURE": FAILURE, "DENY": FAILURE}
_SEVERITY = {"DEBUG": 1, "INFO": 1, "WARN": 3, "ERROR": 4}  # Informational, Medium, High
_MFA_CREDENTIALS = {"OTP", "SMS", "EMAIL", "PUSH", "WEBAUTHN", "U2F", "VOICE"}


def _row(event_type: str) -> tuple[int, int, str] | None:
    if event_type in _EXACT:
        return _EXACT[event_type]
    for prefix, class_uid in _PREFIXES:
        if event_type.startswith(prefix):
            return class_uid, OTHER, event_type
    return None


def _actor(reader: Reader) -> dict[str, Any] | None:
    kind = reader.peek("actor", "type")
    if kind == "User":
        reader.get("actor", "type")
        return compact({"user": compact({"uid": reader.get("actor", "id"), "name": reader.get("actor", "alternateId"),
                                         "full_name": reader.get("actor", "displayName")})})
    return compact({"app_uid": reader.get("actor", "id"), "app_name": reader.get("actor", "displayName")})


def _target_user(reader: Reader) -> dict[str, Any] | None:
    for target in reader.peek("target") or ():
        if isinstance(target, dict) and target.get("type") == "User":
            return compact({"uid": target.get("id"), "name": target.get("alternateId"),
                            "full_name": target.get("displayName")})
    return None


def _common(reader: Reader) -> dict[str, Any]:
    return {
        "actor": _actor(reader),
        "src_endpoint": compact({"ip": reader.get("client", "ipAddress")}),
        "http_request": compact({"user_agent": reader.get("client", "userAgent", "rawUserAgent")}),
        "message": reader.get("displayMessage"),
        "status_detail": reader.get("outcome", "reason"),
    }


def mapping(reader: Reader) -> Mapped:
    event_type = reader.peek("eventType")
    row = _row(event_type) if isinstance(event_type, str) else None
    if row is None:
        mapped = generic(reader, event_type)
        mapped.product, mapped.metadata = PRODUCT, {"log_name": "System Log"}
        return mapped
    class_uid, activity, label = row
    reader.get("eventType")
    reader.get("uuid")  # metadata.uid
    reader.get("published")  # time
    attributes = _common(reader)
    actor_user = (attributes["actor"] or {}).get("user")
    if class_uid == AUTHENTICATION:
        credential = reader.get("authenticationContext", "credentialType")
        attributes.update(user=actor_user or {"name": "unknown"},
                          is_mfa=True if "mfa" in event_type or credential in _MFA_CREDENTIALS else None)
    else:
        attributes["user"] = _target_user(reader) or actor_user or {"name": "unknown"}
    result = reader.get("outcome", "result")
    severity = _SEVERITY.get(str(reader.get("severity")), 1)
    status = _STATUS.get(str(result), OTHER) if result is not None else None
    metadata = compact({"log_name": "System Log", "correlation_uid": reader.get("transaction", "id")}) or {}
    return Mapped(class_uid, activity, label, attributes, status, severity, PRODUCT, metadata)
