"""Sink lines splice ``_logpull`` into the item's own bytes: for any JSON object, however
the API formatted it, each line parses back to the item plus that one key."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import RetryableError
from worker.sinks.base import encode_lines
from worker.sources.base import Event, split_events

META = {"source": "s", "pass": 0, "window_start": "2026-11-01T00:00:00.000Z"}

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)
objects = st.dictionaries(st.text(max_size=6).filter(lambda k: k != "_logpull"), values, max_size=5)
layouts = st.sampled_from([{"separators": (",", ":")}, {}, {"indent": 2}, {"indent": "\t"}, {"indent": 1, "separators": (" ,", " : ")}])


@given(items=st.lists(objects, max_size=5), layout=layouts)
def test_each_line_is_the_item_plus_logpull(items: list[dict[str, Any]], layout: dict[str, Any]) -> None:
    page = b"[" + b",".join(json.dumps(i, **layout).encode() for i in items) + b"]"
    raws = msgspec.json.decode(page, type=list[msgspec.Raw])
    events = [Event(raw, {}) for raw in raws]
    text = b"".join(encode_lines(events, META))
    lines = text.split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(items) + 1
    for line, item in zip(lines, items, strict=False):
        assert json.loads(line) == {**item, "_logpull": META}


def test_compact_items_keep_their_exact_bytes() -> None:
    raw = b'{"b":1,"a":"\\u00e9 x","n":12345678901234567890123}'
    (line,) = [b"".join(encode_lines([Event(raw, {})], META))]
    assert line.startswith(raw[:-1] + b',"_logpull":')


def test_an_item_that_is_not_an_object_is_a_malformed_page() -> None:
    class Head(msgspec.Struct):
        id: Any = None

    raws = msgspec.json.decode(b'[{"id": 1}, 7]', type=list[msgspec.Raw])
    with pytest.raises(RetryableError, match="malformed API page"):
        split_events(raws, msgspec.json.Decoder(Head))
