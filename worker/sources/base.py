"""The source port: what the worker needs from an API, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import msgspec

from shared import redact
from shared.errors import PermanentError, RetryableError
from shared.timeutil import canonical_instant

# "none": in no order of time (e.g. by processing time): dedup keeps every identity the pass
# committed instead of a boundary instant (worker.dedup)
Ordering = Literal["newest_first", "oldest_first", "none"]


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
class RateHeaders:
    """What an API said of its own request budget with a response (Okta's
    ``X-Rate-Limit-*``): the limit per period, what is left of it, and the seconds until
    it refills (by the API's clock)."""

    limit: int
    remaining: int
    reset_in: float


@dataclass(frozen=True)
class Page:
    items: list[Event]
    next_token: str | None
    rate: RateHeaders | None = None  # the API's own account of its budget, if it gives one


def events_from(page: bytes, raws: Sequence[msgspec.Raw], times: Sequence[str],
                identities: Sequence[str]) -> list[Event]:
    """The events of ``page`` (the body as received) from its raw items, their times
    (canonical, see ``canonical_times``) and identities, in the same order (a source
    decodes them for the whole page at once, skipping every other field). Items are
    written as the bytes received, so the page must be UTF-8; line breaks (whitespace,
    in valid JSON) become spaces, so each item is one line and otherwise byte for byte
    as sent. Raises RetryableError for a page that is not UTF-8 or an item that is not
    a usable JSON object."""
    if not page.isascii():
        try:
            page.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RetryableError(f"malformed API page: not UTF-8 ({exc})") from exc
    if not len(raws) == len(times) == len(identities):
        raise RetryableError(f"malformed API page: {len(raws)} items but {len(times)} with a usable time")
    datas = list(map(bytes, raws))
    if b"\n" in page or b"\r" in page:  # in valid JSON a line break can only be whitespace between tokens
        datas = [data.replace(b"\n", b" ").replace(b"\r", b" ") for data in datas]
    try:
        if not _ODD_ENDS.isdisjoint([data[-2] for data in datas]):  # rare: mend or refuse item by item
            datas = [_one_line_object(data) for data in datas]
    except (ValueError, IndexError) as exc:
        raise RetryableError(f"malformed API item: {type(exc).__name__}: {exc}") from exc
    return list(map(Event, datas, times, identities))


def _one_line_object(data: bytes) -> bytes:
    if data[-2] in _SPACE:  # "… }": the splice wants the closing brace right after a value
        data = data[:-1].rstrip() + b"}"
    if data[-2] == _OPEN:  # {}: nothing to identify it by
        raise ValueError("an empty object")
    return data


def canonical_times(times: list[str]) -> list[str]:
    """``canonical_instant`` of each, at C speed when all are canonical already (the
    Reports API's are). Raises ValueError for one that is no instant."""
    count = len(times)
    try:
        joined = "".join(times) if set(map(len, times)) <= {24} else ""
    except TypeError:  # not all of them are strings
        joined = ""
    if (len(joined) == 24 * count and joined[23::24] == "Z" * count and joined[10::24] == "T" * count
            and joined[19::24] == "." * count and joined[4::24] == "-" * count):
        return times
    return [canonical_instant(str(t)) for t in times]


_SPACE = frozenset(b" \t\r\n")
_OPEN = ord("{")
_ODD_ENDS = _SPACE | {_OPEN}


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


def request_not_built(exc: Exception) -> PermanentError:
    """A source's own error while building a request (a setting the API client refuses,
    e.g. a ``customer_id`` that does not match the Reports API's pattern: TypeError). Every
    window would fail the same way, so it fails the source once (``source_failure``),
    like refused credentials, rather than each window after ten tries."""
    return PermanentError(f"the request cannot be built: {type(exc).__name__}: {exc}",
                          reason="bad_request", hint="check the source's settings")


def classify_status(status: int, detail: str) -> Exception:
    """What an HTTP error means once a source has checked its own cases (rate limits,
    rejected page tokens): 5xx and 408 are worth retrying, 401/403 mean the credentials
    are wrong, anything else is a request the API refuses."""
    if status >= 500 or status == 408:
        return RetryableError(f"server error: {detail}")
    if status in (401, 403):
        return PermanentError(f"not authorised: {detail}", reason=f"http_{status}")
    return PermanentError(f"request refused: {detail}", reason=f"http_{status}")


def read_file(kind: str, ref: str) -> str:
    """Without a secret loader (tools that build one source): files only."""
    if kind != "file":
        raise PermanentError(f"credentials {kind}:{ref}: no secret loader", reason="bad_credentials")
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is no part of the secret
        with open(ref, encoding="utf-8-sig") as handle:  # noqa: PTH123
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PermanentError(f"could not read credentials file:{ref} ({type(exc).__name__})",
                             reason="credentials_unavailable") from None
    redact.register(text)
    return text
