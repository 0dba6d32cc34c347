"""The ``filter`` (SCIM filter expression) and ``q`` (keywords) query parameters.

``filter``: ``attrPath op value`` with ``eq ne co sw ew gt ge lt le`` (and ``attrPath
pr``), combined with ``and``, ``or``, ``not (...)`` and parentheses; values are JSON-ish
(``"text"``, numbers, ``true``, ``false``, ``null``). String comparisons ignore case
(SCIM's default). An attribute path walks dotted LogEvent members; arrays (``target``)
match when any element does. ``published`` is rejected, as by Okta (use since/until).

``q``: whitespace-separated keywords (at most 10, each at most 40 characters); an event
matches when every keyword equals, ignoring case, one of its string values or a word
of one (values are also split at whitespace and hyphens).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import orjson

from logpull.simulator.okta._errors import OktaError, invalid_filter, validation

Predicate = Callable[[dict[str, Any]], bool]
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 40
LOG_EVENT_MEMBERS = frozenset({
    "actor", "authenticationContext", "client", "debugContext", "device", "displayMessage",
    "eventType", "legacyEventType", "outcome", "published", "request", "securityContext",
    "severity", "target", "transaction", "uuid", "version",
})  # fmt: skip
_OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<paren>[()])|(?P<word>[^\s()"]+))')
_SPLIT = re.compile(r"[\s\-]+")
_MISSING = object()


def compile_match(filter_text: str | None, q: str | None) -> Callable[[bytes], bool] | None:
    """A predicate on serialised LogEvents, or ``None`` when nothing filters.

    Raises ``OktaError`` (400) for a bad expression or keyword list."""
    predicates: list[Predicate] = []
    if filter_text:
        predicates.append(_Parser(filter_text).parse())
    if q and q.strip():
        predicates.append(_keywords(q))
    if not predicates:
        return None

    def match(blob: bytes) -> bool:
        event = orjson.loads(blob)
        return all(predicate(event) for predicate in predicates)

    return match


# -- q ----------------------------------------------------------------------------------


def _keywords(q: str) -> Predicate:
    words = q.split()
    if len(words) > MAX_KEYWORDS:
        raise validation("q", f"Freeform search cannot contain more than {MAX_KEYWORDS} items.")
    if any(len(word) > MAX_KEYWORD_LENGTH for word in words):
        raise validation(
            "q",
            f"Freeform search cannot contain items longer than {MAX_KEYWORD_LENGTH} "
            "characters. Please shorten the items in your search or use an advanced filter "
            "to query by specific fields.",
        )
    wanted = {word.casefold() for word in words}

    def predicate(event: dict[str, Any]) -> bool:
        found: set[str] = set()
        for value in _strings(event):
            folded = value.casefold()
            found.add(folded)
            found.update(_SPLIT.split(folded))
        return wanted <= found

    return predicate


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)


# -- filter -------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over ``or`` < ``and`` < ``not`` / parentheses / comparisons."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = self._tokenize(text)
        self._at = 0

    def parse(self) -> Predicate:
        predicate = self._or()
        if self._at != len(self._tokens):
            self._fail(f"Unexpected '{self._tokens[self._at][1]}'")
        return predicate

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, at = [], 0
        while at < len(text):
            found = _TOKEN.match(text, at)
            if found is None or found.end() == at:
                if text[at:].strip():
                    self._fail(f"Unexpected character at position {at}")
                break
            kind = found.lastgroup or "word"
            tokens.append((kind, found.group(kind)))
            at = found.end()
        return tokens

    def _fail(self, detail: str) -> NoReturn:
        raise invalid_filter(self._text, detail)

    def _peek(self) -> tuple[str, str] | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            self._fail("Unexpected end of expression")
        self._at += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self._at += 1
            return True
        return False

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda e: any(p(e) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._keyword("and"):
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda e: all(p(e) for p in parts))

    def _unary(self) -> Predicate:
        if self._keyword("not"):
            inner = self._group()
            return lambda e: not inner(e)
        token = self._peek()
        if token == ("paren", "("):
            return self._group()
        return self._comparison()

    def _group(self) -> Predicate:
        if self._take() != ("paren", "("):
            self._fail("Expected '('")
        inner = self._or()
        if self._take() != ("paren", ")"):
            self._fail("Expected ')'")
        return inner

    def _comparison(self) -> Predicate:
        kind, path = self._take()
        if kind != "word":
            self._fail(f"Expected an attribute, got '{path}'")
        root = path.split(".")[0]
        if root == "published":
            raise OktaError(
                400,
                "E0000031",
                "The supplied combination of operator and field is not currently supported. "
                "Field: published (use since and until)",
            )
        if root not in LOG_EVENT_MEMBERS:
            raise OktaError(400, "E0000053", f"field is not valid: {path}")
        kind, operator = self._take()
        operator = operator.lower()
        if kind != "word" or operator not in {*_OPERATORS, "pr"}:
            self._fail(
                f"Unrecognized attribute operator '{operator}'. "
                "Expected: eq,ne,co,sw,ew,pr,gt,ge,lt,le"
            )
        keys = path.split(".")
        if operator == "pr":
            return lambda e: any(v not in (None, "", [], {}) for v in _values(e, keys))
        expected = self._value()
        if operator == "ne":
            equal = _comparator("eq", expected)
            return lambda e: not any(equal(v) for v in _values(e, keys))
        compare = _comparator(operator, expected)
        return lambda e: any(compare(v) for v in _values(e, keys))

    def _value(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return orjson.loads(text)
        lowered = text.lower()
        if lowered in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[lowered]
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            self._fail(f"Invalid value '{text}'")


def _values(event: Any, keys: list[str]) -> Iterator[Any]:
    """Every value at ``keys`` below ``event``, flattening arrays on the way."""
    if isinstance(event, list):
        for item in event:
            yield from _values(item, keys)
        return
    if not keys:
        yield event
        return
    if isinstance(event, dict):
        child = event.get(keys[0], _MISSING)
        if child is not _MISSING:
            yield from _values(child, keys[1:])


def _comparator(operator: str, expected: Any) -> Callable[[Any], bool]:
    folded = expected.casefold() if isinstance(expected, str) else expected

    def fold(value: Any) -> Any:
        return value.casefold() if isinstance(value, str) else value

    def ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any], bool]:
        def check(value: Any) -> bool:
            value = fold(value)
            same_kind = isinstance(value, str) == isinstance(folded, str)
            return value is not None and folded is not None and same_kind and test(value, folded)

        return check

    if operator == "eq":
        return lambda v: fold(v) == folded
    if operator in ("co", "sw", "ew"):
        if not isinstance(folded, str):
            return lambda v: False
        method = {"co": str.__contains__, "sw": str.startswith, "ew": str.endswith}[operator]
        return lambda v: isinstance(v, str) and method(v.casefold(), folded)
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }
    return ordered(tests[operator])
