"""Opaque cursors: a keyset position bound to the query that issued it.

A cursor is base64 of compact JSON ``{"q", "t", "i", "iat", "x"}``: a fingerprint of
the query, the position of the last event served (time ms and id), the clock reading at
issue, and vendor extras (e.g. 1Password's remembered range). Standard base64 keeps its
``=`` padding and may contain ``+`` and ``/`` (so it must be URL-encoded, as Slack's
must); ``urlsafe`` gives the unpadded URL-safe alphabet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from logpull.simulator.vendors._store import Position


class CursorError(Exception):
    """A cursor the fake will not honour; ``reason`` is malformed, foreign or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Cursor:
    fingerprint: str
    position: Position | None
    issued_at: float
    extra: dict[str, Any] = field(default_factory=dict)


def fingerprint(fields: Mapping[str, Any]) -> str:
    """A short hash of everything that defines a result set (never the cursor itself)."""
    canonical = json.dumps(sorted(fields.items()), separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class CursorCodec:
    def __init__(self, *, urlsafe: bool = False, prefix: str = "", padded: bool = False) -> None:
        """``padded``: the standard form always ends in ``=`` (JSON padded with spaces)."""
        self._urlsafe = urlsafe
        self._padded = padded
        self._prefix = prefix

    def encode(self, cursor: Cursor) -> str:
        payload = {
            "q": cursor.fingerprint,
            "t": None if cursor.position is None else cursor.position[0],
            "i": None if cursor.position is None else cursor.position[1],
            "iat": round(cursor.issued_at, 3),
            "x": cursor.extra,
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        if self._padded:
            raw += b" " * ((1 - len(raw)) % 3)  # len % 3 == 1: two "=" of padding
        if self._urlsafe:
            return self._prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return self._prefix + base64.b64encode(raw).decode()

    def decode(self, token: str, expected: str | None, now: float, ttl: float | None) -> Cursor:
        """The cursor in ``token``; ``CursorError`` if it is garbage, was issued for
        another query than ``expected`` (None: any), or is older than ``ttl``."""
        cursor = self._parse(token)
        if expected is not None and cursor.fingerprint != expected:
            raise CursorError("foreign")
        if ttl is not None and now - cursor.issued_at > ttl:
            raise CursorError("expired")
        return cursor

    def _parse(self, token: str) -> Cursor:
        if not token.startswith(self._prefix):
            raise CursorError("malformed")
        body = token[len(self._prefix) :]
        try:
            if self._urlsafe:
                raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            else:
                raw = base64.b64decode(body, validate=True)
            payload = json.loads(raw)
            time_ms, ident = payload["t"], payload["i"]
            position = None if time_ms is None else (int(time_ms), str(ident))
            return Cursor(str(payload["q"]), position, float(payload["iat"]), dict(payload["x"]))
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise CursorError("malformed") from exc
