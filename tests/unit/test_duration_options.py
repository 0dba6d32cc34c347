"""Durations on the command line read as in the config: a unit, or a one-line usage
error (exit 2) naming the option (#23)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from logpull.cli._app import cli


def test_orchestrate_interval_without_unit_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["orchestrate", "--interval", "2", "-c", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert "--interval" in result.output and "use a unit: 2s, 2m" in result.output
    assert "Traceback" not in result.output


def test_orchestrate_interval_with_a_unit_is_taken(tmp_path: Path) -> None:
    """It gets as far as reading the (missing) config: the option itself was accepted."""
    result = CliRunner().invoke(cli, ["orchestrate", "--interval", "2s", "-c", str(tmp_path / "none.toml")])
    assert "--interval" not in result.output
    assert "does not exist" in result.output or "does not exist" in str(result.exception)


def test_orchestrate_help_says_what_interval_takes() -> None:
    result = CliRunner().invoke(cli, ["orchestrate", "--help"])
    assert "Seconds between ticks" not in result.output
    assert "--interval DURATION" in result.output and "30s" in result.output


def test_demo_window_without_unit_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["demo", "--window", "15"])
    assert result.exit_code == 2 and "use a unit: 15s" in result.output
