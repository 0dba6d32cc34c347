"""Opaque ``after`` cursors: a keyset position bound to the query that issued it.

A cursor is urlsafe base64 (no padding) of compact JSON ``{"v", "q", "m", "t", "u",
"iat"}``: version, query fingerprint, mode (``"b"`` bounded: position in published
order; ``"p"`` polling: position in persistence order), the position's time (published
epoch ms, or visible-at clock seconds) and uuid (32 hex digits) of the last item served,
and the clock reading when the cursor was issued. A polling cursor issued before any
item was served has no position (``t`` and ``u`` null). The cursor names an item, not
an offset, so a page boundary does not move when late events become visible.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from logpull.simulator._tokens import check_issue, pack_payload, unpack_payload
from logpull.simulator.okta._errors import OktaError, validation

_VERSION = 1
BOUNDED, POLLING = "b", "p"


@dataclass(frozen=True, slots=True)
class Cursor:
    fingerprint: str
    mode: str  # BOUNDED or POLLING
    time: float | None  # published ms (bounded, an int) or visible_at seconds (polling)
    uuid: int | None
    issued_at: float


def encode_cursor(cursor: Cursor) -> str:
    return pack_payload({
        "v": _VERSION,
        "q": cursor.fingerprint,
        "m": cursor.mode,
        "t": cursor.time,
        "u": None if cursor.uuid is None else f"{cursor.uuid:032x}",
        "iat": cursor.issued_at,
    })  # fmt: skip


def decode_cursor(token: str, fingerprint: str, now: float, ttl: float | None) -> Cursor:
    """The cursor in ``token``; ``OktaError`` 400 if garbage, foreign or expired."""
    return check_issue(
        _parse(token),
        (fingerprint, now, ttl),
        lambda: validation(
            "after",
            "The cursor was issued for a different query; resume with the identical since, "
            'until, limit, sortOrder, filter and q (follow the rel="next" link).',
        ),
        lambda ttl: validation(
            "after", f"The cursor has expired (older than {ttl:g} seconds); restart the query."
        ),
    )


def _parse(token: str) -> Cursor:
    try:
        payload = unpack_payload(token, _VERSION, "cursor")
        mode = payload["m"]
        time, uuid = payload["t"], payload["u"]
        if mode not in (BOUNDED, POLLING) or (time is None) != (uuid is None):
            raise ValueError("inconsistent cursor")
        if mode == BOUNDED and (time is None or not isinstance(time, int)):
            raise ValueError("a bounded cursor needs an integer position")
        return Cursor(
            fingerprint=str(payload["q"]),
            mode=mode,
            time=None if time is None else (time if isinstance(time, int) else float(time)),
            uuid=None if uuid is None else int(uuid, 16),
            issued_at=float(payload["iat"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _garbage() from exc


def _garbage() -> OktaError:
    return validation("after", "The cursor is malformed.")
