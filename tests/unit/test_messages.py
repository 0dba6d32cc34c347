"""Task messages: versioned, strict, parsed only at the queue boundary."""

from __future__ import annotations

import json

import pytest

from shared.errors import MalformedMessage
from shared.models import TaskMessage, parse_task

GOOD = {"v": 1, "kind": "window", "source": "gws-login",
        "window_start": "2026-11-01T00:00:00Z", "window_end": "2026-11-01T01:00:00Z"}


def test_round_trip() -> None:
    message = parse_task(json.dumps(GOOD))
    assert parse_task(message.to_body()) == message
    assert message.pass_no == 0 and message.continuation == 0
    continued = message.continued(dispatch=3)
    assert continued.key == message.key and continued.continuation == 1 and continued.dispatch == 3
    assert continued.task_id != message.task_id


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "not JSON"),
        ("garbage{", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({**GOOD, "v": 2}), "v"),
        (json.dumps({**GOOD, "extra": 1}), "extra"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "source"}), "source"),
        (json.dumps({**GOOD, "window_start": "yesterday"}), "window_start"),
        (json.dumps({**GOOD, "window_end": "2026-10-01T00:00:00Z"}), "window_end is not after"),
    ],
)
def test_malformed_bodies_are_rejected_clearly(body: str, words: str) -> None:
    with pytest.raises(MalformedMessage, match=words) as caught:
        parse_task(body)
    assert caught.value.reason == "malformed_message"


def test_message_is_frozen() -> None:
    message = TaskMessage.model_validate(GOOD)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type varies
        message.source = "other"  # type: ignore[misc]
