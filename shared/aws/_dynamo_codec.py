"""WindowRecord / SourceMeta <-> DynamoDB attribute maps (low-level client format)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from shared.models import Boundary, Sighting, SourceFailure, SourceMeta, WindowKey, WindowRecord
from shared.settled import SettledMark
from shared.redact import redact_optional
from shared.timeutil import format_instant, parse_instant

Item = dict[str, dict[str, Any]]


def source_pk(source: str) -> str:
    return f"src#{source}"


def window_sk(start_text: str, pass_no: int) -> str:
    return f"win#{start_text}#{pass_no}"


def window_key_attrs(key: WindowKey) -> Item:
    return {
        "pk": {"S": source_pk(key.source)},
        "sk": {"S": window_sk(format_instant(key.start), key.pass_no)},
    }


def meta_key_attrs(source: str) -> Item:
    return {"pk": {"S": source_pk(source)}, "sk": {"S": "meta"}}


def s(value: str | None) -> dict[str, Any]:
    return {"S": value} if value is not None else {"NULL": True}


def n(value: float | int) -> dict[str, Any]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def _get_s(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if value else None


def _get_n(item: Item, name: str, default: float = 0) -> float:
    value = item.get(name)
    return float(value["N"]) if value and "N" in value else default


PROGRESS = "progress"
LEASE_ATTRIBUTES = ("lease_owner", "lease_expiry", "lease_message")


def _progress(record: WindowRecord) -> str:
    """Everything a checkpoint changes, packed into one attribute: a checkpoint is then
    a three-attribute update (progress, version, state), cheap for DynamoDB to apply."""
    return orjson.dumps({
        "next_token": record.next_token,
        "pages": record.pages,
        "events": record.events,
        "resume_from": format_instant(record.resume_from) if record.resume_from else None,
        "boundary_time": record.boundary.time,
        "boundary_ids": None if _spills(record.boundary) else sorted(record.boundary.ids),
        "boundary_since": record.boundary.since,
        "staged": [list(part) for part in record.staged],
        **({"ocsf_root": record.ocsf_root} if record.ocsf_root else {}),
        "continuations": record.continuations,
        "token_resets": record.token_resets,
        "rescues": record.rescues,
        "error": redact_optional(record.error),
        "error_class": record.error_class,
        "started_at": record.started_at,
        "updated_at": record.updated_at,
    }).decode()


# ids held in the item at most (20 hex characters each): far below DynamoDB's 400 KB
MAX_BOUNDARY_IDS = 1000


def _spills(boundary: Boundary) -> bool:
    return boundary.spilled or len(boundary.ids) > MAX_BOUNDARY_IDS


def _boundary(progress: dict[str, Any]) -> Boundary:
    ids = progress.get("boundary_ids")
    since = int(progress.get("boundary_since", 0))
    if ids is None and progress.get("boundary_time") is not None:
        return Boundary(progress["boundary_time"], frozenset(), since, spilled=True)
    return Boundary(progress.get("boundary_time"), frozenset(ids or ()), since)


def encode_window(record: WindowRecord) -> Item:
    key = record.key
    return {
        **window_key_attrs(key),
        "source": {"S": key.source},
        "start": {"S": format_instant(key.start)},
        "end": {"S": format_instant(key.end)},
        "pass_no": n(key.pass_no),
        "created_at": n(record.created_at),
        "state": {"S": record.state},
        "version": n(record.version),
        "dispatch": n(record.dispatch),
        "lease_owner": s(record.lease_owner),
        "lease_expiry": n(record.lease_expiry),
        "lease_message": s(record.lease_message),
        PROGRESS: {"S": _progress(record)},
    }


def update_attrs(record: WindowRecord, keep_lease: bool) -> Item:
    """The attributes a fenced write sets (the lease ones only when it changes them)."""
    item = encode_window(record)
    names = ("state", "version", "dispatch", PROGRESS) + (() if keep_lease else LEASE_ATTRIBUTES)
    return {name: item[name] for name in names}


def decode_window(item: Item) -> WindowRecord:
    key = WindowKey(
        source=str(_get_s(item, "source")),
        start=parse_instant(str(_get_s(item, "start"))),
        end=parse_instant(str(_get_s(item, "end"))),
        pass_no=int(_get_n(item, "pass_no")),
    )
    progress: dict[str, Any] = orjson.loads(_get_s(item, PROGRESS) or "{}")
    resume_from = progress.get("resume_from")
    return WindowRecord(
        key=key,
        state=_get_s(item, "state") or "pending",  # type: ignore[arg-type]
        version=int(_get_n(item, "version")),
        dispatch=int(_get_n(item, "dispatch")),
        lease_owner=_get_s(item, "lease_owner"),
        lease_expiry=_get_n(item, "lease_expiry"),
        lease_message=_get_s(item, "lease_message"),
        created_at=_get_n(item, "created_at"),
        next_token=progress.get("next_token"),
        pages=int(progress.get("pages", 0)),
        events=int(progress.get("events", 0)),
        resume_from=parse_instant(resume_from) if resume_from else None,
        boundary=_boundary(progress),
        staged=_staged(progress.get("staged"), int(progress.get("pages", 0))),
        ocsf_root=progress.get("ocsf_root"),
        continuations=int(progress.get("continuations", 0)),
        token_resets=int(progress.get("token_resets", 0)),
        rescues=int(progress.get("rescues", 0)),
        error=progress.get("error"),
        error_class=progress.get("error_class"),
        started_at=float(progress.get("started_at", 0.0)),
        updated_at=float(progress.get("updated_at", 0.0)),
    )


def _staged(value: Any, pages: int) -> tuple[tuple[int, str], ...]:
    """The parts a checkpoint accepted: ``[[seq, name], ...]``; a lone name (one part,
    the last page's) is how items written before group checkpoints hold it."""
    if not value:
        return ()
    if isinstance(value, str):
        return ((pages - 1, value),)
    return tuple((int(seq), str(name)) for seq, name in value)


def encode_meta(meta: SourceMeta) -> Item:
    return {
        **meta_key_attrs(meta.source),
        "source": {"S": meta.source},
        "watermark": {"S": format_instant(meta.watermark)},
        "enqueued_until": {"S": format_instant(meta.enqueued_until)},
        "version": n(meta.version),
        "recorded_at": n(meta.recorded_at),
    }


def decode_meta(item: Item) -> SourceMeta:
    return SourceMeta(
        source=str(_get_s(item, "source")),
        watermark=parse_instant(str(_get_s(item, "watermark"))),
        enqueued_until=parse_instant(str(_get_s(item, "enqueued_until"))),
        version=int(_get_n(item, "version")),
        recorded_at=_get_n(item, "recorded_at"),
        failed=decode_failure(_get_s(item, FAILED)),
        settled=decode_settled(_get_s(item, SETTLED_UNTIL), _get_s(item, SETTLED)),
        sightings=decode_sightings(_get_s(item, SIGHTINGS)),
    )


SETTLED_UNTIL, SETTLED = "settled_until", "settled"


def encode_settled(mark: SettledMark) -> dict[str, Any]:
    """The totals of the mark (its instant is ``settled_until``, an attribute of its own)."""
    return {"S": orjson.dumps(mark.as_dict()).decode()}


def decode_settled(until: str | None, totals: str | None) -> SettledMark | None:
    if not until or not totals:
        return None
    data: dict[str, Any] = orjson.loads(totals)
    return SettledMark(until=parse_instant(until), basis=str(data.get("basis", "")),
                       **{k: int(data.get(k, 0)) for k in ("first_passes", "final_passes", "events",
                                                             "late_events", "pages", "continuations")})


FAILED = "failed"


def encode_failure(failure: SourceFailure) -> dict[str, Any]:
    return {"S": orjson.dumps({**failure.as_dict(), "error": redact_optional(failure.error)}).decode()}


def decode_failure(text: str | None) -> SourceFailure | None:
    if not text:
        return None
    data: dict[str, Any] = orjson.loads(text)
    return SourceFailure(reason=str(data.get("reason", "")), error=str(data.get("error", "")),
                         credentials=str(data.get("credentials", "")), at=float(data.get("at", 0.0)))


SIGHTINGS = "sightings"


def encode_sightings(sightings: Mapping[str, Sighting]) -> dict[str, Any]:
    data = {name: [seen.mark, seen.at, seen.by, seen.resends] for name, seen in sightings.items()}
    return {"S": orjson.dumps(data).decode()}


def decode_sightings(text: str | None) -> dict[str, Sighting]:
    if not text:
        return {}
    data: dict[str, Any] = orjson.loads(text)
    return {name: Sighting(mark=str(mark), at=float(at), by=str(by), resends=int(resends))
            for name, (mark, at, by, resends) in data.items()}
