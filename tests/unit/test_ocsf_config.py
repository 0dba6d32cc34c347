"""``[sink] ocsf_url``: a root apart from ``url`` (else exit 2 naming the field), and
``ocsf_raw``; ``open_sink`` pairs the two roots only when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.config import load_settings
from shared.errors import ConfigError
from worker.sinks import open_sink
from worker.sinks.file_sink import FileSink
from worker.sinks.ocsf_tee import OcsfTeeSink

SOURCE = """
[[sources]]
id = "gws-login"
start = "2026-11-01T00:00:00Z"
"""


def settings_with(tmp_path: Path, sink: str) -> object:
    path = tmp_path / "logpull.toml"
    path.write_text("[sink]\n" + sink + SOURCE, encoding="utf-8")
    return load_settings(path)


@pytest.mark.parametrize(("url", "ocsf_url", "words"), [
    ("file:///srv/out", "file:///srv/out", "is the sink url"),
    ("file:///srv/out", "file:///srv/out/ocsf", "is inside"),
    ("file:///srv/out", "file:///srv", "contains"),
    ("file:///srv/out", "file:///srv/out/../out/x", "is inside"),
    ("s3://bucket/raw", "s3://bucket/raw/ocsf", "is inside"),
    ("s3://bucket/raw", "s3://bucket", "contains"),
    ("s3://bucket/raw", "s3://bucket/raw/", "is the sink url"),
    ("file:///srv/out", "ftp://x", "unsupported sink"),
])
def test_an_ocsf_root_that_overlaps_the_raw_one_is_refused_naming_the_field(
        tmp_path: Path, url: str, ocsf_url: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_with(tmp_path, f'url = "{url}"\nocsf_url = "{ocsf_url}"\n')
    assert "ocsf_url" in str(caught.value) and words in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("url", "ocsf_url"), [
    ("file:///srv/out", "file:///srv/out-ocsf"),
    ("s3://bucket/raw", "s3://bucket/ocsf"),
    ("s3://bucket/raw", "s3://other/raw"),
    ("file:///srv/out", "s3://bucket/ocsf"),
])
def test_roots_apart_are_accepted(tmp_path: Path, url: str, ocsf_url: str) -> None:
    settings = settings_with(tmp_path, f'url = "{url}"\nocsf_url = "{ocsf_url}"\nocsf_raw = false\n')
    assert settings.sink.ocsf_url == ocsf_url and settings.sink.ocsf_raw is False  # type: ignore[attr-defined]


def test_open_sink_pairs_the_roots_only_with_ocsf_url(tmp_path: Path) -> None:
    plain = settings_with(tmp_path, f'url = "file://{tmp_path}/raw"\n')
    assert isinstance(open_sink(plain.sink), FileSink)  # type: ignore[attr-defined]
    assert plain.sink.ocsf_raw is True  # type: ignore[attr-defined]
    relative = settings_with(tmp_path, 'url = "file://./raw"\nocsf_url = "file://./ocsf"\n')
    pair = open_sink(relative.sink)  # type: ignore[attr-defined]
    assert isinstance(pair, OcsfTeeSink) and pair.raw_data
    assert isinstance(pair.ocsf, FileSink) and pair.ocsf.root == Path(os.getcwd(), "ocsf").resolve()


def test_an_ocsf_root_inside_the_raw_one_through_a_symlink_is_refused(tmp_path: Path) -> None:
    """A consumer of the raw root would read the OCSF objects as raw events: the paths
    are compared as the file system resolves them, not as written."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "raw")
    for url, ocsf_url in ((tmp_path / "raw", tmp_path / "link" / "ocsf"), (tmp_path / "link", tmp_path / "raw")):
        with pytest.raises(ConfigError) as caught:
            settings_with(tmp_path, f'url = "file://{url}"\nocsf_url = "file://{ocsf_url}"\n')
        assert "ocsf_url" in str(caught.value) and caught.value.exit_code == 2
