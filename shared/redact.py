"""Secrets are redacted by value: every secret a process loads is registered here, and
whatever it writes for people to read (log lines, error messages kept in DynamoDB or
attached to DLQ entries) passes through ``redact`` first.

Key-name rules (``shared.log``) miss a secret that ends up inside an ordinary message,
e.g. a library's error that quotes a header value; matching the values does not.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, MutableMapping
from typing import Any

MASK = "[redacted]"
MIN_LENGTH = 8  # shorter fragments (a line of a file, a JSON field) are too likely to be ordinary words
# the parts of a JSON secret worth hiding (a service-account key, an OAuth client, a token holder)
SECRET_FIELDS = ("private_key", "private_key_id", "client_secret", "refresh_token", "access_token",
                 "token", "api_token", "password", "secret")

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()  # longest first, so a longer secret is masked before its parts


def _forms(value: str) -> set[str]:
    """How the value may appear in text: as is, stripped, each line of it, and escaped
    the ways messages quote strings (``repr``, JSON)."""
    forms = {value, value.strip()}
    forms.update(line.strip() for line in value.splitlines())
    forms.add(value.encode("unicode_escape").decode("ascii"))
    forms.add(json.dumps(value)[1:-1])
    return {form for form in forms if len(form) >= MIN_LENGTH}


def register(value: str) -> None:
    """Hide ``value`` (and, for a JSON object, its secret fields) from now on."""
    global _secrets  # noqa: PLW0603 - one registry per process, like the logging config
    found = _forms(value)
    for part in _json_parts(value):
        found |= _forms(part)
    with _lock:
        if found <= set(_secrets):
            return
        _secrets = tuple(sorted(set(_secrets) | found, key=len, reverse=True))


def _json_parts(value: str) -> Iterable[str]:
    text = value.strip()
    if not text.startswith("{"):
        return ()
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    return [str(data[name]) for name in SECRET_FIELDS if isinstance(data.get(name), str)]


def forget_all() -> None:
    """For tests: an empty registry."""
    global _secrets  # noqa: PLW0603
    with _lock:
        _secrets = ()


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    secrets = _secrets
    if not secrets or not text:
        return text
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item) for item in value)
    if isinstance(value, BaseException):
        return redact(f"{type(value).__name__}: {value}")
    return value


def redact_event(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every string of the event (nested ones too, the formatted
    traceback included when it runs after ``format_exc_info``)."""
    if not _secrets:
        return event_dict
    for key, value in list(event_dict.items()):
        event_dict[key] = _redact_value(value)
    return event_dict
