"""A credentials file saved with a UTF-8 byte-order mark (as Windows editors write it)
holds the same secret: the mark made an Okta token 'characters an HTTP header cannot
carry' and a service-account key 'not a usable service-account JSON'."""

from __future__ import annotations

import json
from pathlib import Path

from shared.config import SourceSettings
from worker.sources.base import read_file
from worker.sources.okta import load_token


def test_a_byte_order_mark_is_no_part_of_the_secret(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes("\ufeff00okta-token-value\r\n".encode())
    settings = SourceSettings(id="o", kind="okta_system_log", domain="example.okta.com",
                              start="2026-11-01T00:00:00Z", credentials=f"file:{path}")
    assert load_token(settings, None) == "00okta-token-value"
    key = tmp_path / "sa.json"
    key.write_bytes(("\ufeff" + json.dumps({"type": "service_account"})).encode())
    assert json.loads(read_file("file", str(key))) == {"type": "service_account"}
