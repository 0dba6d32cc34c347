"""A google_reports block with ``applications``: one logical source per application."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from shared.config import load_settings
from shared.errors import ConfigError
from shared.google_apps import APPLICATION_NAMES, GOOGLE_LATE_HORIZONS

BLOCK = """
[[sources]]
id = "gws"
start = "2026-11-01T00:00:00Z"
credentials = "file:/dev/null"
"""
PLAIN = """
[[sources]]
id = "okta"
kind = "okta_system_log"
domain = "example.okta.com"
start = "2026-11-01T00:00:00Z"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "logpull.toml"
    path.write_text(text)
    return path


def test_a_block_becomes_one_source_per_application(tmp_path: Path) -> None:
    text = BLOCK + 'applications = ["login", "admin", "drive", "token", "saml"]\n' + PLAIN
    settings = load_settings(write(tmp_path, text))
    ids = [source.id for source in settings.sources]
    assert ids == ["gws/login", "gws/admin", "gws/drive", "gws/token", "gws/saml", "okta"]
    drive = settings.source("gws/drive")
    assert drive.application == "drive" and drive.applications is None and drive.block == "gws"
    assert drive.credentials == "file:/dev/null"  # everything else of the block is shared
    assert settings.source("okta").block == "okta"
    horizons = {s.application: s.effective_late_horizon for s in settings.sources if s.block == "gws"}
    assert horizons == {"login": timedelta(hours=1), "admin": timedelta(hours=1), "drive": timedelta(hours=4),
                        "token": timedelta(hours=6), "saml": timedelta(hours=1)}


def test_all_is_every_documented_application_with_its_own_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, BLOCK + 'applications = "all"\n'))
    assert [s.application for s in settings.sources] == list(APPLICATION_NAMES)
    assert set(GOOGLE_LATE_HORIZONS) <= set(APPLICATION_NAMES)  # the lag table names documented ones
    for source in settings.sources:
        assert source.effective_late_horizon == GOOGLE_LATE_HORIZONS.get(source.application, timedelta(hours=6))


def test_a_block_late_horizon_applies_to_all_its_applications(tmp_path: Path) -> None:
    text = BLOCK + 'applications = ["login", "token"]\nlate_horizon = "2h"\n'
    settings = load_settings(write(tmp_path, text))
    assert {s.effective_late_horizon for s in settings.sources} == {timedelta(hours=2)}


def test_application_alone_keeps_working(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, BLOCK + 'application = "drive"\n'))
    assert [(s.id, s.application, s.block) for s in settings.sources] == [("gws", "drive", "gws")]


def test_environment_json_takes_applications(monkeypatch: pytest.MonkeyPatch) -> None:
    block = {"id": "gws", "start": "2026-11-01T00:00:00Z", "applications": ["login", "saml"]}
    monkeypatch.setenv("LOGPULL_SOURCES", json.dumps([block]))
    assert [s.id for s in load_settings(None).sources] == ["gws/login", "gws/saml"]


@pytest.mark.parametrize(("snippet", "words"), [
    ('applications = ["login"]\napplication = "login"\n', "sources[0].applications: give application or applications"),
    ('applications = ["login", "bogus", "nope"]\n', "sources[0].applications: unknown application(s) 'bogus', 'nope'; "
                                                    "valid: access_evaluation, access_transparency, admin,"),
    ("applications = []\n", "sources[0].applications: must name at least one application"),
    ('applications = ["login", "drive", "login"]\n', "sources[0].applications: repeated application(s): login"),
    ('applications = "login"\n', 'sources[0].applications: use a list of application names, or "all"'),
    ('kind = "okta_system_log"\ndomain = "x.okta.com"\napplications = ["login"]\n',
     "sources[0].applications: only a google_reports source takes applications"),
])
def test_bad_applications_name_the_field(tmp_path: Path, snippet: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, BLOCK + snippet))
    assert words in str(caught.value)
    assert caught.value.exit_code == 2


def test_ids_stay_unique_per_block_and_a_written_id_takes_no_slash(tmp_path: Path) -> None:
    twice = BLOCK + 'applications = ["login"]\n' + BLOCK + 'application = "drive"\n'
    with pytest.raises(ConfigError, match=r"sources: duplicate source id\(s\): gws"):
        load_settings(write(tmp_path, twice))
    with pytest.raises(ConfigError, match=r"sources\[0\]\.id: String should match pattern"):
        load_settings(write(tmp_path, BLOCK.replace('"gws"', '"gws/login"')))
