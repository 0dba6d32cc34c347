"""Opaque page tokens: a keyset cursor bound to the query that issued it.

A token is urlsafe base64 of compact JSON ``{"v", "q", "t", "u", "iat"}``: version, query
fingerprint, ``id.time`` (epoch ms) and ``id.uniqueQualifier`` of the last item served,
and the clock reading when it was issued. The cursor names an item, not an offset, so a
page boundary does not move when late events become visible.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from logpull.simulator._errors import ApiError, invalid_page_token

_VERSION = 1


@dataclass(frozen=True, slots=True)
class Cursor:
    fingerprint: str
    time_ms: int
    unique_qualifier: int
    issued_at: float


def query_fingerprint(fields: Mapping[str, str]) -> str:
    """A short hash of everything that defines the result set (never the page token)."""
    canonical = json.dumps(sorted(fields.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def pack_payload(payload: Mapping[str, Any]) -> str:
    """Urlsafe base64 (no padding) of compact JSON: the wire form of every cursor."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unpack_payload(token: str, version: int, what: str) -> dict[str, Any]:
    """The JSON object of ``pack_payload``; ``ValueError`` (or ``binascii.Error``) if the
    token is not one or not of ``version``."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    payload = json.loads(raw)
    if not isinstance(payload, dict) or payload.get("v") != version:
        raise ValueError(f"unknown {what} version")
    return payload


class Issued(Protocol):
    """What every cursor records about where and when it was issued."""

    @property
    def fingerprint(self) -> str: ...
    @property
    def issued_at(self) -> float: ...


IssuedT = TypeVar("IssuedT", bound=Issued)


def check_issue(
    cursor: IssuedT,
    expected: tuple[str, float, float | None],
    foreign: Callable[[], Exception],
    expired: Callable[[float], Exception],
) -> IssuedT:
    """``cursor`` if it was issued for ``fingerprint`` at most ``ttl`` before ``now``
    (``expected``); else raise ``foreign()`` (another query) or ``expired(ttl)``."""
    fingerprint, now, ttl = expected
    if cursor.fingerprint != fingerprint:
        raise foreign()
    if ttl is not None and now - cursor.issued_at > ttl:
        raise expired(ttl)
    return cursor


def encode_token(cursor: Cursor) -> str:
    return pack_payload({
        "v": _VERSION,
        "q": cursor.fingerprint,
        "t": cursor.time_ms,
        "u": str(cursor.unique_qualifier),
        "iat": round(cursor.issued_at, 3),
    })  # fmt: skip


def decode_token(token: str, fingerprint: str, now: float, ttl: float | None) -> Cursor:
    """The cursor in ``token``; ``ApiError`` 400 if garbage, foreign or expired."""
    return check_issue(
        _parse(token),
        (fingerprint, now, ttl),
        lambda: invalid_page_token(
            "The page token was issued for a different query; resume with the identical "
            "userKey, applicationName, startTime, endTime, maxResults and filters."
        ),
        lambda ttl: invalid_page_token(
            f"The page token has expired (older than {ttl:g} seconds); restart the query."
        ),
    )


def _parse(token: str) -> Cursor:
    try:
        payload = unpack_payload(token, _VERSION, "token")
        return Cursor(
            fingerprint=str(payload["q"]),
            time_ms=int(payload["t"]),
            unique_qualifier=int(payload["u"]),
            issued_at=float(payload["iat"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise _garbage() from exc


def _garbage() -> ApiError:
    return invalid_page_token("The page token is malformed.")
