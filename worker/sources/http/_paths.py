"""JSON paths compiled once per stream into msgspec types and attribute getters.

A page is decoded twice, as the Okta source does: once into its raw records (and the
few envelope fields paging needs), once into only each record's time and identity
fields. Every other field is skipped by msgspec; no path is walked per item in Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import msgspec
import orjson

from shared.kinds.http_spec import Records, split_path

Tree = dict[str, Any]  # key -> Tree, or a leaf (type, default)
_MISSING = ""
_RAW_LIST = list[msgspec.Raw]


def _insert(tree: Tree, path: tuple[str, ...], leaf: tuple[Any, Any], what: str) -> None:
    node = tree
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ValueError(
                f"{what}: a path cannot go through another path's value ({'.'.join(path)})"
            )
    if path[-1] in node:
        raise ValueError(f"{what}: {'.'.join(path)} is named twice (or inside another path)")
    node[path[-1]] = leaf


def _struct(
    tree: Tree,
    name: str,
    attrs: dict[tuple[str, ...], str],
    prefix: tuple[str, ...] = (),
    dotted: str = "",
) -> type[msgspec.Struct]:
    """A Struct type of ``tree``; ``attrs`` receives each leaf path's attribute chain."""
    fields: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for index, (key, sub) in enumerate(tree.items()):
        attr = f"f{index}"
        rename[attr] = key
        chain = f"{dotted}.{attr}" if dotted else attr
        if isinstance(sub, dict):
            inner = _struct(sub, f"{name}_{index}", attrs, (*prefix, key), chain)
            fields.append((attr, inner, msgspec.field(default_factory=inner)))
        else:
            attrs[(*prefix, key)] = chain
            fields.append((attr, sub[0], sub[1]))
    return msgspec.defstruct(name, fields, rename=rename, gc=False)


class Envelope:
    """The page decoder: the raw records and the envelope fields at their paths."""

    def __init__(self, records_path: str, extra: dict[str, str | None]) -> None:
        path = split_path(records_path)
        wanted = {name: split_path(p) for name, p in extra.items() if p}
        self.getters: dict[str, Callable[[Any], Any]] = {}
        if not path:
            if wanted:
                raise ValueError(
                    "records.path: the body is the list of records, so nothing else is in it "
                    f"({', '.join(wanted)} need a path in an object)"
                )
            self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(_RAW_LIST)
            self.records: Callable[[Any], list[msgspec.Raw]] = lambda page: page
            return
        tree: Tree = {}
        _insert(tree, path, (_RAW_LIST, msgspec.field(default_factory=list)), "records.path")
        for name, sub in wanted.items():
            _insert(tree, sub, (Any, None), name)
        attrs: dict[tuple[str, ...], str] = {}
        self.decoder = msgspec.json.Decoder(_struct(tree, "Page", attrs))
        self.records = attrgetter(attrs[path])
        self.getters = {name: attrgetter(attrs[sub]) for name, sub in wanted.items()}

    def get(self, name: str, page: Any) -> Any:
        getter = self.getters.get(name)
        return getter(page) if getter is not None else None


def nested(item: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` of a decoded item (a dict read back from the sink)."""
    for key in path:
        if not isinstance(item, dict):
            return _MISSING
        item = item.get(key, _MISSING)
    return item


def item_hash(item: dict[str, Any]) -> str:
    """The identity of a record that has none of its own: a hash of its fields, whatever
    their order or spacing (so the record read back from the sink gives the same)."""
    fields = {k: v for k, v in item.items() if k != "_logpull"}
    return hashlib.blake2b(
        orjson.dumps(fields, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


class Heads:
    """Each record's time and identity fields, decoded for the whole page at once."""

    def __init__(self, records: Records) -> None:
        self.time_path = split_path(records.time_path)
        self.id_paths = [split_path(p) for p in records.id_paths]
        tree: Tree = {}
        _insert(tree, self.time_path, (Any, _MISSING), "records.time_path")
        for path in self.id_paths:
            if path != self.time_path:
                _insert(tree, path, (Any, _MISSING), "records.id_paths")
        attrs: dict[tuple[str, ...], str] = {}
        head: Any = _struct(tree, "Head", attrs)  # (a type made at run time)
        self.time_of = attrgetter(attrs[self.time_path])
        self.id_of = [attrgetter(attrs[p]) for p in self.id_paths]
        outer = split_path(records.path)
        if outer:
            wrapper: Tree = {}
            leaf: tuple[Any, Any] = (list[head], msgspec.field(default_factory=list))
            _insert(wrapper, outer, leaf, "records.path")
            wrapped: dict[tuple[str, ...], str] = {}
            self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(
                _struct(wrapper, "Heads", wrapped)
            )
            self.unwrap: Callable[[Any], list[Any]] = attrgetter(wrapped[outer])
        else:
            self.decoder = msgspec.json.Decoder(list[head])
            self.unwrap = lambda page: page

    def decode(self, content: bytes) -> list[Any]:
        return self.unwrap(self.decoder.decode(content))

    def times(self, heads: list[Any]) -> list[Any]:
        return list(map(self.time_of, heads))

    def identities(self, heads: list[Any], raws: list[msgspec.Raw]) -> list[str]:
        if not self.id_of:
            return [item_hash(orjson.loads(bytes(raw))) for raw in raws]
        if len(self.id_of) == 1:
            return [str(v) for v in map(self.id_of[0], heads)]
        columns = [list(map(get, heads)) for get in self.id_of]
        return ["\x1f".join(map(str, values)) for values in zip(*columns, strict=True)]

    def identity(self, item: dict[str, Any]) -> str:
        if not self.id_paths:
            return item_hash(item)
        return "\x1f".join(str(nested(item, p)) for p in self.id_paths)
