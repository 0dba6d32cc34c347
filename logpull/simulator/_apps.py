"""Application names and the event shapes the simulator puts into Activity resources."""

from __future__ import annotations

from typing import Any

from shared.google_apps import APPLICATION_NAMES

__all__ = ["APPLICATION_NAMES", "Event", "event_variants"]


Event = dict[str, Any]


def _param(name: str, value: str | bool) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"name": name, "boolValue": value}
    return {"name": name, "value": value}


_LOGIN: tuple[list[Event], ...] = (
    [{"type": "login", "name": "login_success", "parameters": [
        _param("login_type", "google_password"), _param("is_suspicious", False)]}],
    [{"type": "login", "name": "login_success", "parameters": [
        _param("login_type", "saml"), _param("is_suspicious", False)]}],
    [{"type": "login", "name": "login_failure", "parameters": [
        _param("login_type", "google_password"),
        _param("login_failure_type", "login_failure_invalid_password")]}],
    [{"type": "login", "name": "logout", "parameters": [
        _param("login_type", "google_password")]}],
)  # fmt: skip

_ADMIN: tuple[list[Event], ...] = (
    [{"type": "USER_SETTINGS", "name": "CHANGE_PASSWORD", "parameters": [
        _param("USER_EMAIL", "someone@example.com")]}],
    [{"type": "GROUP_SETTINGS", "name": "ADD_GROUP_MEMBER", "parameters": [
        _param("GROUP_EMAIL", "team@example.com"), _param("USER_EMAIL", "new@example.com")]}],
)  # fmt: skip

_DRIVE: tuple[list[Event], ...] = (
    [{"type": "access", "name": "view", "parameters": [
        _param("doc_id", "1AbCdEfGh"), _param("doc_type", "document"),
        _param("visibility", "private")]}],
    [{"type": "access", "name": "edit", "parameters": [
        _param("doc_id", "1ZyXwVuT"), _param("doc_type", "spreadsheet"),
        _param("visibility", "shared_internally")]}],
)  # fmt: skip

_TOKEN: tuple[list[Event], ...] = (
    [{"type": "auth", "name": "authorize", "parameters": [
        _param("client_id", "1234567890.apps.googleusercontent.com"),
        _param("app_name", "Example App")]}],
)  # fmt: skip

_BY_APP: dict[str, tuple[list[Event], ...]] = {
    "login": _LOGIN,
    "admin": _ADMIN,
    "drive": _DRIVE,
    "token": _TOKEN,
}


def event_variants(application: str) -> tuple[list[Event], ...]:
    """The ``events`` lists an Activity of ``application`` may carry."""
    default: tuple[list[Event], ...] = (
        [{"type": application, "name": f"{application}_activity", "parameters": [
            _param("resource", "generic")]}],
    )  # fmt: skip
    return _BY_APP.get(application, default)
