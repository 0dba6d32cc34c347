"""A Google credentials file that is JSON but not an object (a key pasted as a string, a
list, null) is bad credentials (the source fails once), not an AttributeError that
crashes every task and never ends `run --until-caught-up`; its content is never echoed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.config import SourceSettings
from shared.errors import PermanentError
from worker.sources.google_reports import load_credentials

CANARY = "CANARY0f1e2d3c4b5a6978"


@pytest.mark.parametrize("text", [json.dumps(CANARY), json.dumps([CANARY]), "null", "42", "true"])
def test_json_that_is_not_an_object_is_bad_credentials(tmp_path: Path, text: str) -> None:
    path = tmp_path / "sa.json"
    path.write_text(text)
    settings = SourceSettings(id="g", start="2026-11-01T00:00:00Z", credentials=f"file:{path}")
    with pytest.raises(PermanentError) as caught:
        load_credentials(settings)
    assert caught.value.reason == "bad_credentials"
    assert CANARY not in str(caught.value)
