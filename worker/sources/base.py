"""The source port: what the worker needs from an API, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import msgspec

from shared.errors import PermanentError, RetryableError

Ordering = Literal["newest_first", "oldest_first"]


@dataclass(frozen=True)
class Query:
    """The frozen query of one window pass: identical on every page of it."""

    start: datetime
    end: datetime


class Event(msgspec.Struct, frozen=True, gc=False):
    """One item of a page, parsed no further than dedup needs: its JSON object as the
    API sent it (``raw``: one line, written to the sink as is), its ``time`` (as
    ``Source.event_time`` gives it) and its ``identity`` (as ``Source.identity``)."""

    raw: bytes
    time: str
    identity: str


@dataclass(frozen=True)
class Page:
    items: list[Event]
    next_token: str | None


def events_from(page: bytes, raws: Sequence[msgspec.Raw], keys: Iterable[tuple[str, str]]) -> list[Event]:
    """The events of ``page`` (the body as received) from its raw items and their
    ``(time, identity)`` keys (in the same order; a source decodes them for the whole
    page at once, skipping every other field). Items are written as the bytes received,
    so the page must be UTF-8; line breaks (whitespace, in valid JSON) become spaces, so
    each item is one line and otherwise byte for byte as sent. Raises RetryableError for
    a page that is not UTF-8 or an item without a usable time or identity."""
    try:
        page.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RetryableError(f"malformed API page: not UTF-8 ({exc})") from exc
    multiline = b"\n" in page or b"\r" in page
    events = []
    try:
        for raw, (time, identity) in zip(raws, keys, strict=True):
            data = bytes(raw)
            if multiline:  # in valid JSON a line break can only be whitespace between tokens
                data = data.replace(b"\n", b" ").replace(b"\r", b" ")
            if data[-2] in _SPACE:  # "… }": the splice wants the closing brace right after a value
                data = data[:-1].rstrip() + b"}"
            if data[-2] == _OPEN:  # {}: nothing to identify it by
                raise ValueError("an empty object")
            events.append(Event(data, time, identity))
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise RetryableError(f"malformed API item (no usable time): {type(exc).__name__}: {exc}") from exc
    return events


_SPACE = frozenset(b" \t\r\n")
_OPEN = ord("{")


class Source(Protocol):
    ordering: Ordering

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        """One page. Raises RetryableError, PermanentError or TokenRejected."""
        ...

    def identity(self, item: dict[str, Any]) -> str:
        """A stable identity of the event (used for exactly-once dedup); ``item`` is the
        whole item (read back from the sink) or only the fields the source decodes for
        ``events_from``, alike."""
        ...

    def event_time(self, item: dict[str, Any]) -> str:
        """The instant the event happened (the API's ordering key), as
        ``shared.timeutil.format_instant`` writes it (fixed width, so strings compare
        like instants)."""
        ...


def classify_status(status: int, detail: str) -> Exception:
    """What an HTTP error means once a source has checked its own cases (rate limits,
    rejected page tokens): 5xx and 408 are worth retrying, 401/403 mean the credentials
    are wrong, anything else is a request the API refuses."""
    if status >= 500 or status == 408:
        return RetryableError(f"server error: {detail}")
    if status in (401, 403):
        return PermanentError(f"not authorised: {detail}", reason=f"http_{status}")
    return PermanentError(f"request refused: {detail}", reason=f"http_{status}")
