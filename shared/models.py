"""The data that crosses process boundaries: queue messages and window records.

A task message only *names* a window; the window's record in the state store is the
authority for progress (next page token, counts, lease, version).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.config import Instant
from shared.errors import MalformedMessage
from shared.settled import SettledMark
from shared.timeutil import format_instant

WindowState = Literal["pending", "running", "done", "failed"]
WINDOW_STATES: tuple[WindowState, ...] = ("pending", "running", "done", "failed")
FIRST_PASS = 0
FINAL_PASS = 1


class TaskMessage(BaseModel):
    """Version 1 of the task message: "read this window of this source"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = 1
    kind: Literal["window"] = "window"
    source: str = Field(min_length=1)
    window_start: Instant
    window_end: Instant
    pass_no: int = Field(default=FIRST_PASS, ge=0, le=1)
    continuation: int = Field(default=0, ge=0)
    # which message for the window this is: each later one (continuation, rescue,
    # redrive) has a higher number, and once it leases the window (a rescue or redrive:
    # once it is sent) an older one is stale and dropped
    dispatch: int = Field(default=0, ge=0)
    task_id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def key(self) -> WindowKey:
        return WindowKey(self.source, self.window_start, self.window_end, self.pass_no)

    def to_body(self) -> str:
        return self.model_dump_json()

    def continued(self, dispatch: int) -> TaskMessage:
        return self.model_copy(
            update={"continuation": self.continuation + 1, "dispatch": dispatch, "task_id": uuid.uuid4().hex}
        )

    @classmethod
    def for_window(cls, key: WindowKey, dispatch: int = 0) -> TaskMessage:
        return cls(
            source=key.source, window_start=key.start, window_end=key.end, pass_no=key.pass_no,
            dispatch=dispatch,
        )


def parse_task(body: str) -> TaskMessage:
    """Parse a queue message body; anything else raises MalformedMessage (to the DLQ)."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError) as exc:
        raise MalformedMessage(f"message body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedMessage("message body is not a JSON object")
    try:
        message = TaskMessage.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise MalformedMessage(f"not a logpull task: {where}: {first.get('msg')}") from exc
    if message.window_end <= message.window_start:
        raise MalformedMessage("not a logpull task: window_end is not after window_start")
    return message


@dataclass(frozen=True, order=True)
class WindowKey:
    source: str
    start: datetime
    end: datetime
    pass_no: int = FIRST_PASS

    def __str__(self) -> str:
        return f"{self.source}[{format_instant(self.start)}, {format_instant(self.end)})#{self.pass_no}"


@dataclass(frozen=True)
class Boundary:
    """Dedup boundary of a newest-first read: the oldest committed instant and the
    identities already committed at exactly that instant (dlt's high-water mark idea)."""

    time: str | None = None  # format_instant of the oldest committed event
    ids: frozenset[str] = field(default_factory=frozenset)
    since: int = 0  # seq of the pass's first page that committed an event at ``time``
    # the ids are too many for the window's item (an instant with thousands of events):
    # they are the identities of the events at ``time`` in the pass's parts from ``since``
    spilled: bool = False


@dataclass(frozen=True)
class WindowRecord:
    key: WindowKey
    state: WindowState = "pending"
    version: int = 0
    next_token: str | None = None
    pages: int = 0
    events: int = 0
    lease_owner: str | None = None
    lease_expiry: float = 0.0
    lease_message: str | None = None  # SQS message id the lease holder works under
    resume_from: datetime | None = None  # after a rejected page token: re-read from here (boundary)
    boundary: Boundary = field(default_factory=Boundary)
    staged: tuple[tuple[int, str], ...] = ()  # (seq, staged part) the last checkpoint accepted
    ocsf_root: str | None = None  # the ``ocsf_url`` those parts have their OCSF halves under
    continuations: int = 0
    dispatch: int = 0  # messages sent for the window after the first; an older one is stale
    token_resets: int = 0
    rescues: int = 0
    error: str | None = None
    error_class: str | None = None
    created_at: float = 0.0
    started_at: float = 0.0  # when the pass first read a page (late-horizon decisions)
    updated_at: float = 0.0

    def evolve(self, **changes: object) -> WindowRecord:
        return replace(self, **changes)  # type: ignore[arg-type]


# Why a whole source (not one window) cannot progress: its credentials. Every window of it
# would fail the same way, so the source is marked failed once instead.
SOURCE_FAILURE_REASONS = {
    "bad_credentials": "credentials unusable",
    "credentials_unavailable": "credentials could not be read",
    "auth_failed": "credentials refused",
    "http_401": "credentials refused (HTTP 401)",
    "http_403": "credentials refused (HTTP 403)",
    "bad_request": "its request cannot be built from its settings",
}
# … of those, the ones the source's settings (not its credentials) must fix
SETTINGS_FAILURE_REASONS = frozenset({"bad_request"})


@dataclass(frozen=True)
class SourceFailure:
    """The mark on a failed source: why, the error (secrets redacted), the credentials
    reference it was set under (a changed reference clears it) and when."""

    reason: str
    error: str
    credentials: str = ""
    at: float = 0.0

    def describe(self, source: str) -> str:
        what = SOURCE_FAILURE_REASONS.get(self.reason, self.reason)
        fix = "its settings" if self.reason in SETTINGS_FAILURE_REASONS else "the credentials"
        return (f"source {source}: {what}: {self.error} — fix {fix}, then run `logpull run` again "
                f"(or `logpull source reset {source}` where the orchestrator runs on a schedule)")

    def as_dict(self) -> dict[str, object]:
        return {"reason": self.reason, "error": self.error, "credentials": self.credentials, "at": self.at}


@dataclass(frozen=True)
class Sighting:
    """What the scavenger last saw of an open window, judged on its own clock: the
    window's ``mark`` (state, version, dispatch, lease) and when (``at``) which observer
    (``by``) first saw it so; ``resends``: how often it sent the window again since a
    worker last moved it (a longer wait each time)."""

    mark: str
    at: float
    by: str
    resends: int = 0


@dataclass(frozen=True)
class SourceMeta:
    """Per-source scheduling state: the watermark and how far tasks were enqueued."""

    source: str
    watermark: datetime
    enqueued_until: datetime
    version: int = 0
    recorded_at: float = 0.0
    failed: SourceFailure | None = None  # set by a worker, cleared by a reset (never by a tick's write)
    settled: SettledMark | None = None  # moved forward only by ``advance_settled``
    # the scavenger's sightings of the source's open windows (see ``orchestrator.scavenger``)
    sightings: Mapping[str, Sighting] = field(default_factory=dict)
