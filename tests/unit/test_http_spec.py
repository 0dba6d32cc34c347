"""The http spec and the built-in kinds' keys: validated when the config loads, every
error naming its key; defaults per kind; streams as logical sources."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shared.config import load_settings
from shared.errors import ConfigError

HEAD = '[[sources]]\nid = "s"\nstart = "2026-11-01T00:00:00Z"\n'
SPEC = """kind = "http"
[sources.request]
url = "/v1/{what}/events"
[sources.vars]
what = "audit"
[sources.time_range]
start_param = "from"
end_param = "to"
[sources.records]
path = "data"
time_path = "at"
"""


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "c.toml"
    path.write_text(HEAD + text)
    return load_settings(path)


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return str(caught.value)


def test_a_minimal_spec_loads_with_defaults(tmp_path: Path) -> None:
    source = load(tmp_path, SPEC).sources[0]
    assert (source.page_size, source.requests_per_minute, source.effective_late_horizon) == (
        1000,
        None,
        timedelta(hours=1),
    )
    assert source.kind_options is not None and source.stream is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            SPEC.replace('end_param = "to"\n', ""),
            "sources[0].time_range: give start_param and end_param",
        ),
        (
            SPEC + '[sources.pages]\ntoken_from = "body"\n',
            "sources[0].pages: token_from = 'body' needs token_path",
        ),
        (
            SPEC.replace('url = "/v1/{what}/events"', 'url = "/v1/{who}/events"'),
            "unknown placeholder {who}",
        ),
        (
            SPEC.replace('time_path = "at"', 'time_path = "at"\nbogus = 1'),
            "sources[0].records.bogus: unknown key",
        ),
        (SPEC.replace('time_path = "at"', 'time_path = "a..b"'), "sources[0].records.time_path"),
        (SPEC + '[sources.auth]\ntype = "kerberos"\n', "sources[0].auth"),
        (SPEC + '[sources.auth]\ntype = "header"\n', "sources[0].auth.header.name: Field required"),
        (
            SPEC.replace("[sources.records]", '[sources.records]\norder = "sideways"'),
            "sources[0].records.order",
        ),
        ('window = "x"\n' + SPEC, "sources[0].window"),
        (
            SPEC.replace("[sources.request]", "[sources.request]\npage_size_max = 50")
            + "page_size = 51\n",
            "sources[0].page_size: at most 50",
        ),
    ],
)
def test_spec_errors_name_their_key(tmp_path: Path, change: str, message: str) -> None:
    # (page_size after a table would belong to it: put it before)
    text = (
        change
        if "page_size = 51" not in change
        else "page_size = 51\n" + change.replace("page_size = 51\n", "")
    )
    assert message in error(tmp_path, text)


def test_github_audit_log_keys_and_defaults(tmp_path: Path) -> None:
    source = load(tmp_path, 'kind = "github_audit_log"\nenterprise = "acme"\n').sources[0]
    assert (source.page_size, source.requests_per_minute, source.reads_api_budget) == (
        100,
        25,
        True,
    )
    spec = source.kind_options.spec()  # type: ignore[union-attr]
    assert spec.request.url == "/{scope}/audit-log" and spec.vars == {
        "scope": "enterprises/acme",
        "include": "all",
    }
    assert "exactly one of enterprise or organization" in error(
        tmp_path, 'kind = "github_audit_log"\n'
    )
    assert "exactly one" in error(
        tmp_path, 'kind = "github_audit_log"\nenterprise = "a"\norganization = "b"\n'
    )
    assert "sources[0].include" in error(
        tmp_path, 'kind = "github_audit_log"\norganization = "a"\ninclude = "x"\n'
    )
    assert "sources[0].page_size: at most 100" in error(
        tmp_path, 'kind = "github_audit_log"\norganization = "a"\npage_size = 500\n'
    )


def test_onepassword_streams_are_logical_sources(tmp_path: Path) -> None:
    sources = load(tmp_path, 'kind = "onepassword_events"\n').sources
    assert [s.id for s in sources] == ["s/signinattempts", "s/itemusages", "s/auditevents"]
    assert [s.stream for s in sources] == ["signinattempts", "itemusages", "auditevents"]
    assert {s.requests_per_minute for s in sources} == {300}
    chosen = load(tmp_path, 'kind = "onepassword_events"\nstreams = ["auditevents"]\n').sources
    assert [s.id for s in chosen] == ["s/auditevents"]
    assert "sources[0].streams" in error(
        tmp_path, 'kind = "onepassword_events"\nstreams = ["logins"]\n'
    )


def test_slack_and_atlassian_keys(tmp_path: Path) -> None:
    slack = load(tmp_path, 'kind = "slack_audit_logs"\n').sources[0]
    assert (slack.page_size, slack.requests_per_minute) == (1000, 45)
    assert "sources[0].org_id: Field required" in error(tmp_path, 'kind = "atlassian_org_audit"\n')
    assert "sources[0].enterprise: unknown key" in error(
        tmp_path, 'kind = "slack_audit_logs"\nenterprise = "a"\n'
    )
    atlassian = load(
        tmp_path, 'kind = "atlassian_org_audit"\norg_id = "abc-1"\nlate_horizon = "3h"\n'
    ).sources[0]
    assert atlassian.effective_late_horizon == timedelta(hours=3)


def test_http_streams_of_one_block(tmp_path: Path) -> None:
    text = SPEC.replace('url = "/v1/{what}/events"', 'url = "/v1/{stream}"') + (
        '[[sources.streams]]\nname = "logins"\n'
        '[[sources.streams]]\nname = "admin"\nlate_horizon = "2h"\n'
    )
    sources = load(tmp_path, text).sources
    assert [(s.id, s.effective_late_horizon) for s in sources] == [
        ("s/logins", timedelta(hours=1)),
        ("s/admin", timedelta(hours=2)),
    ]
    assert "unknown placeholder {stream}" in error(tmp_path, SPEC.replace("{what}", "{stream}"))


def test_google_and_okta_keys_unchanged(tmp_path: Path) -> None:
    assert load(tmp_path, 'application = "admin"\n').sources[0].application == "admin"
    assert (
        load(tmp_path, 'kind = "okta_system_log"\ndomain = "x.okta.com"\n').sources[0].kind_options
        is None
    )
    assert "kind_options: unknown key" in error(tmp_path, 'kind_options = "x"\n')


def test_the_readme_walkthrough_block_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in readme.split("```toml\n")[1:] if 'id = "quokka"' in b).split("```")[0]
    path = tmp_path / "readme.toml"
    path.write_text(block)
    source = load_settings(path).sources[0]
    spec = source.kind_options.spec()  # type: ignore[union-attr]
    assert (source.id, spec.records.id_paths, source.page_size) == (
        "quokka",
        ["meta.node", "meta.seq"],
        200,
    )


def test_an_ocsf_mapping_must_exist_when_the_config_loads(tmp_path: Path) -> None:
    message = error(tmp_path, SPEC.replace('kind = "http"', 'kind = "http"\nocsf_mapping = "okta_sytem_log"'))
    assert "sources[0].ocsf_mapping" in message and "'okta_sytem_log'" in message
    assert "known: atlassian_org_audit, generic, github_audit_log" in message
    for name in ("okta_system_log", "generic"):
        source = load(tmp_path, SPEC.replace('kind = "http"', f'kind = "http"\nocsf_mapping = "{name}"')).sources[0]
        assert source.kind_options.ocsf_mapping == name  # type: ignore[union-attr]


def test_an_unknown_ocsf_mapping_exits_2_naming_the_field(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "c.toml"
    path.write_text('[sink]\nurl = "file:///tmp/x"\n' + HEAD
                    + SPEC.replace('kind = "http"', 'kind = "http"\nocsf_mapping = "nope"'))  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "logpull.cli", "status", "-c", str(path)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "sources[0].ocsf_mapping" in result.stderr and "known:" in result.stderr
    assert "Traceback" not in result.stderr
