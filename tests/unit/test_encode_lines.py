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
from worker.sources.base import Event, events_from

META = {"source": "s", "pass": 0, "window_start": "2026-11-01T00:00:00.000Z"}


class Head(msgspec.Struct):
    t: Any = None


def events(page: bytes) -> list[Event]:
    """As a source reads a page; ``t`` is both the time and the identity ("" if missing:
    the sources check times and identities themselves, see test_page_parsing)."""
    raws = msgspec.json.decode(page, type=list[msgspec.Raw])
    keys = [str(head.t or "") for head in msgspec.json.decode(page, type=list[Head])]
    return events_from(page, raws, keys, keys)


scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)
objects = st.builds(lambda rest, t: {**rest, "t": t},
                    st.dictionaries(st.text(max_size=6).filter(lambda k: k not in {"_logpull", "t"}), values, max_size=5),
                    st.text(min_size=1, max_size=5))
layouts = st.sampled_from([{"separators": (",", ":")}, {}, {"indent": 2}, {"indent": "\t"}, {"indent": 1, "separators": (" ,", " : ")}])


@given(items=st.lists(objects, max_size=5), layout=layouts)
def test_each_line_is_the_item_plus_logpull(items: list[dict[str, Any]], layout: dict[str, Any]) -> None:
    page = b"[" + b",".join(json.dumps(i, **layout).encode() for i in items) + b"]"
    text = encode_lines(events(page), META)
    lines = text.split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(items) + 1
    for line, item in zip(lines, items, strict=False):
        assert json.loads(line) == {**item, "_logpull": META}


def test_line_breaks_become_spaces_and_numbers_keep_their_text() -> None:
    page = b'[{\r\n  "t": "x",\n  "n": 1e400,\n  "m": 12345678901234567890123\n}\n]'
    (event,) = events(page)
    line = encode_lines([event], META)
    assert line.count(b"\n") == 1 and b"1e400" in line and b"12345678901234567890123" in line
    assert json.loads(line)["_logpull"] == META


def test_compact_items_keep_their_exact_bytes() -> None:
    raw = b'{"b":1,"a":"\\u00e9 x","n":12345678901234567890123,"t":"x"}'
    (event,) = events(b"[" + raw + b"]")
    assert event.raw == raw and event.time == "x" == event.identity
    assert encode_lines([event], META).startswith(raw[:-1] + b',"_logpull":')


@pytest.mark.parametrize("page", [b'[{"t": 1}, {}]', b'[{"t": 1}, { }]', b'[{"t": 1}, {\n\t}]'])
def test_empty_objects_make_a_malformed_page(page: bytes) -> None:
    with pytest.raises(RetryableError, match="malformed API item"):
        events(page)


def test_fewer_keys_than_items_make_a_malformed_page() -> None:
    page = b'[{"t": 1}, {"t": 2}]'
    raws = msgspec.json.decode(page, type=list[msgspec.Raw])
    with pytest.raises(RetryableError, match="malformed API page"):
        events_from(page, raws, ["1"], ["1"])
