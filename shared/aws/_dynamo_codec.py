"""WindowRecord / SourceMeta <-> DynamoDB attribute maps (low-level client format)."""

from __future__ import annotations

from typing import Any

from shared.models import Boundary, SourceMeta, WindowKey, WindowRecord
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


def boundary_attrs(boundary: Boundary) -> dict[str, Item]:
    return {
        "boundary_time": s(boundary.time),
        "boundary_ids": s("\n".join(sorted(boundary.ids)) if boundary.ids else None),
    }


def encode_window(record: WindowRecord) -> Item:
    key = record.key
    item: Item = {
        **window_key_attrs(key),
        "source": {"S": key.source},
        "start": {"S": format_instant(key.start)},
        "end": {"S": format_instant(key.end)},
        "pass_no": n(key.pass_no),
        "state": {"S": record.state},
        "version": n(record.version),
        "next_token": s(record.next_token),
        "pages": n(record.pages),
        "events": n(record.events),
        "lease_owner": s(record.lease_owner),
        "lease_expiry": n(record.lease_expiry),
        "lease_message": s(record.lease_message),
        "resume_from": s(format_instant(record.resume_from) if record.resume_from else None),
        "staged": s(record.staged),
        "continuations": n(record.continuations),
        "token_resets": n(record.token_resets),
        "rescues": n(record.rescues),
        "error": s(record.error),
        "error_class": s(record.error_class),
        "created_at": n(record.created_at),
        "started_at": n(record.started_at),
        "updated_at": n(record.updated_at),
    }
    item.update(boundary_attrs(record.boundary))
    return item


def decode_window(item: Item) -> WindowRecord:
    key = WindowKey(
        source=str(_get_s(item, "source")),
        start=parse_instant(str(_get_s(item, "start"))),
        end=parse_instant(str(_get_s(item, "end"))),
        pass_no=int(_get_n(item, "pass_no")),
    )
    ids_text = _get_s(item, "boundary_ids")
    resume_from = _get_s(item, "resume_from")
    return WindowRecord(
        key=key,
        state=_get_s(item, "state") or "pending",  # type: ignore[arg-type]
        version=int(_get_n(item, "version")),
        next_token=_get_s(item, "next_token"),
        pages=int(_get_n(item, "pages")),
        events=int(_get_n(item, "events")),
        lease_owner=_get_s(item, "lease_owner"),
        lease_expiry=_get_n(item, "lease_expiry"),
        lease_message=_get_s(item, "lease_message"),
        resume_from=parse_instant(resume_from) if resume_from else None,
        boundary=Boundary(
            _get_s(item, "boundary_time"), frozenset(ids_text.split("\n")) if ids_text else frozenset()
        ),
        staged=_get_s(item, "staged"),
        continuations=int(_get_n(item, "continuations")),
        token_resets=int(_get_n(item, "token_resets")),
        rescues=int(_get_n(item, "rescues")),
        error=_get_s(item, "error"),
        error_class=_get_s(item, "error_class"),
        created_at=_get_n(item, "created_at"),
        started_at=_get_n(item, "started_at"),
        updated_at=_get_n(item, "updated_at"),
    )


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
    )
