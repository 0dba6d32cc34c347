"""The source port: what the worker needs from an API, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class Event:
    """One item of a page: its JSON object exactly as the API sent it (``raw``; written
    to the sink as is) and the few fields dedup reads (``head``: a subset of the item,
    enough for the source's ``identity`` and ``event_time``). The rest is never parsed."""

    raw: bytes | memoryview | msgspec.Raw
    head: dict[str, Any]


@dataclass(frozen=True)
class Page:
    items: list[Event]
    next_token: str | None


def split_events(raws: Sequence[msgspec.Raw], head: msgspec.json.Decoder[Any]) -> list[Event]:
    """Events from a page's raw items; ``head`` decodes the fields dedup needs (a Struct
    of them: everything else is skipped unparsed). Raises RetryableError when an item is
    not a JSON object."""
    try:
        return [Event(raw, msgspec.structs.asdict(head.decode(raw))) for raw in raws]
    except msgspec.ValidationError as exc:
        raise RetryableError(f"malformed API page: an item is not a JSON object ({exc})") from exc


class Source(Protocol):
    ordering: Ordering

    def fetch(self, query: Query, token: str | None, timeout: float) -> Page:
        """One page. Raises RetryableError, PermanentError or TokenRejected."""
        ...

    def identity(self, item: dict[str, Any]) -> str:
        """A stable identity of the event (used for exactly-once dedup); ``item`` is an
        event's ``head`` or the whole item read back from the sink, alike."""
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
