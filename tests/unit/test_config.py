"""Config validation: unknown keys and bad values name their field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shared.config import load_settings
from shared.errors import ConfigError
from shared.timeutil import parse_duration

MINIMAL = """
[[sources]]
id = "gws-login"
start = "2026-11-01T00:00:00Z"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "logpull.toml"
    path.write_text(text)
    return path


def test_minimal_config_gets_sane_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL))
    source = settings.sources[0]
    assert source.window == timedelta(minutes=15)
    assert source.kind == "google_reports" and source.credentials == "anonymous"
    assert settings.worker.lease == timedelta(seconds=30)
    assert settings.orchestrator.max_windows_per_tick >= 1000
    assert source.effective_late_horizon == timedelta(hours=1)  # login: near real time


def test_every_setting_is_documented_and_the_example_claims_no_more_than_it_holds() -> None:
    """The README's Configuration table names every key of every section (#23: an
    undocumented worker.idle_polls); the example calls itself typical, not complete."""
    from pydantic import BaseModel

    from shared.config import Settings

    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue  # sources (documented per kind), sources_from
        for key in model.model_fields:
            assert f"`{section}.{key}`" in readme, f"{section}.{key} is undocumented"
    head = (root / "examples" / "logpull.toml").read_text().split("\n[", 1)[0].lower()
    assert "typical" in head and "complete" not in head


def test_contract_example_parses(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "examples" / "logpull.toml").read_text()
    settings = load_settings(write(tmp_path, text))
    assert settings.sources[0].late_horizon == timedelta(hours=2)


@pytest.mark.parametrize(
    ("snippet", "field", "words"),
    [
        ('[worker]\nlease = "30x"\n', "worker.lease", "invalid duration"),
        ('[worker]\nlease = 30\n', "worker.lease", "use a unit: 30s, 30m"),
        ('[orchestrator]\ninterval = "60"\n', "orchestrator.interval", "use a unit: 60s, 60m"),
        ('[aws]\nqueue = "x"\n', "aws.queue", "unknown key"),
        ('[sink]\nurl = "ftp://x"\n', "sink.url", "unsupported sink"),
        ('[mystery]\nx = 1\n', "mystery", "unknown key"),
    ],
)
def test_bad_values_name_the_field(tmp_path: Path, snippet: str, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, snippet + MINIMAL))
    assert field in str(caught.value) and words in str(caught.value)
    assert caught.value.exit_code == 2


def test_bad_source_field_is_named_with_its_index(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sources\[0\]\.window: invalid duration"):
        load_settings(write(tmp_path, MINIMAL + 'window = "fast"\n'))
    with pytest.raises(ConfigError, match=r"sources\[0\]\.colour: unknown key"):
        load_settings(write(tmp_path, MINIMAL + 'colour = "red"\n'))


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[aws\n"))


def test_environment_variables_configure_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGPULL_AWS__QUEUE_NAME", "from-env")
    monkeypatch.setenv("LOGPULL_SOURCES", '[{"id": "a", "start": "2026-11-01T00:00:00Z", "window": "5m"}]')
    settings = load_settings(None)
    assert settings.aws.queue_name == "from-env"
    assert settings.sources[0].window == timedelta(minutes=5)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), ("250ms", 0.25)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "5", "-1s", "1w", "abc", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("number", [5, 5.0, "5", " 15 "])
def test_a_bare_number_is_not_a_duration(number: object) -> None:
    """Seconds or minutes? Refused, saying which units there are (#23)."""
    with pytest.raises(ValueError, match=r"use a unit: \d+(\.0)?s, \d+(\.0)?m"):
        parse_duration(number)


def test_a_source_window_without_unit_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sources\[0\]\.window: use a unit: 15s, 15m, 15h") as caught:
        load_settings(write(tmp_path, MINIMAL + "window = 15\n"))
    assert caught.value.exit_code == 2


def test_a_duration_variable_without_unit_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGPULL_WORKER__LEASE", "30")
    monkeypatch.setenv("LOGPULL_SOURCES", '[{"id": "a", "start": "2026-11-01T00:00:00Z"}]')
    with pytest.raises(ConfigError, match=r"worker\.lease: use a unit: 30s"):
        load_settings(None)
