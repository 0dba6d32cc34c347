"""Budget settings (`requests_per_minute`, `quota_key`, `rate_limit_share`), the budget's
interval per token, and Okta's rate-limit headers as the worker reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from shared.config import load_settings
from shared.errors import ConfigError
from worker.budget import HOLD, SLACK, TOLERANCE, interval_for
from worker.sources.okta import rate_headers


def source(**extra: Any) -> str:
    lines = "\n".join(f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in extra.items())
    return f'[[sources]]\nstart = "2026-11-01T00:00:00Z"\n{lines}\n'


def load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "logpull.toml"
    path.write_text(text)
    return load_settings(path)


def test_budget_keys_parse(tmp_path: Path) -> None:
    settings = load(tmp_path, source(id="a", requests_per_minute=600, quota_key="gcp-project-1")
                    + source(id="b", requests_per_minute=600, quota_key="gcp-project-1")
                    + source(id="o", kind="okta_system_log", domain="x.okta.com", rate_limit_share=0.5))
    assert [s.requests_per_minute for s in settings.sources] == [600, 600, None]
    assert settings.sources[2].rate_limit_share == 0.5 and settings.sources[0].rate_limit_share == 0.8


@pytest.mark.parametrize(("text", "field"), [
    (source(id="a", quota_key="p"), "sources[0]: quota_key needs requests_per_minute"),
    (source(id="a", requests_per_minute=0), "sources[0].requests_per_minute"),
    (source(id="a", kind="okta_system_log", domain="x.okta.com", rate_limit_share=1.5), "sources[0].rate_limit_share"),
    (source(id="a", requests_per_minute=600, quota_key="p") + source(id="b", requests_per_minute=60, quota_key="p"),
     "quota_key p give different requests_per_minute"),
])
def test_bad_budget_settings_name_their_field(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace("[", r"\[").replace("]", r"\]")):
        load(tmp_path, text)


@given(st.floats(2, 100_000))
def test_at_most_the_limit_in_any_minute(limit: float) -> None:
    """The budget's bound: slots in any 60 s (plus the hold and the slack) number at most
    (60 + HOLD + SLACK + max(TOLERANCE, interval)) / interval (see budget_store): within
    the limit."""
    interval = interval_for(limit)
    assert (60 + HOLD + SLACK + max(TOLERANCE, interval)) / interval <= limit * (1 + 1e-9)
    assert 60 / interval >= 0.9 * limit or limit < 20  # and not much below it


def okta_response(**headers: str) -> requests.Response:
    response = requests.Response()
    response.headers.update(headers)
    return response


def test_okta_rate_headers_are_read_by_okta_clock() -> None:
    read = rate_headers(okta_response(**{"X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "7",
                                         "X-Rate-Limit-Reset": "1800000060",
                                         "Date": "Fri, 15 Jan 2027 08:00:00 GMT"}), now=0.0)
    assert read is not None and (read.limit, read.remaining, read.reset_in) == (40, 7, 60.0)
    assert rate_headers(okta_response(**{"X-Rate-Limit-Limit": "40"}), now=0.0) is None
    no_date = rate_headers(okta_response(**{"X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "7",
                                            "X-Rate-Limit-Reset": "1000"}), now=990.0)
    assert no_date is not None and no_date.reset_in == 10.0
