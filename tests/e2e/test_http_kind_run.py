"""End to end: an API logpull has never seen (tests/fake_quokka_api.py), configured with
``kind = "http"`` from the README's keys alone, read by `logpull run --until-caught-up`
with 3 workers, continuations, OAuth tokens that expire every few seconds and 429s;
the sink is compared with the API's ground truth event by event."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import config_text, write_config
from fake_quokka_api import CLIENT_SECRET, QuokkaApi, make_events
from tests_e2e_helpers import log_lines, run_cli

from shared.aws.clients import client
from shared.aws.provision import ensure_queues, ensure_table
from shared.config import load_settings
from shared.sink_reader import iter_committed_items

pytestmark = pytest.mark.e2e
START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(hours=6)

SPEC = """
[sources.vars]
tenant = "t-42"

[sources.request]
url = "/v3/tenants/{{tenant}}/activity"
page_size_param = "max"
page_size_max = 200

[sources.auth]
type = "oauth2_client_credentials"
token_url = "{api}/oauth/token"
client_id = "logpull-test"

[sources.time_range]
start_param = "since"
end_param = "until"
format = "epoch_s"
start_inclusive = false
end_inclusive = true

[sources.pages]
token_from = "body"
token_path = "paging.next"
send_as = "param"
send_param = "cursor"
dead_token_statuses = [410]
error_code_path = "error.code"

[sources.records]
path = "result.events"
time_path = "meta.occurred"
id_paths = ["meta.node", "meta.seq"]
order = "{order}"

[sources.rate_limit]
limit_header = "X-Quota-Limit"
remaining_header = "X-Quota-Remaining"
reset_header = "X-Quota-Reset-In"
reset_format = "seconds"
"""


@pytest.fixture(params=["newest_first", "none"])
def quokka(request: pytest.FixtureRequest) -> Iterator[QuokkaApi]:
    api = QuokkaApi(
        make_events(3000, START, END, seed=7),
        token_ttl=2.0,
        throttle_every=37,
        shuffled=request.param == "none",
    ).start()
    api.order = request.param  # type: ignore[attr-defined]
    yield api
    api.stop()


def _stack(
    aws_endpoint: str, api_url: str, tmp_path: Path, secret: Path, order: str
) -> tuple[Path, Path]:
    """The config (the conftest's, with the spec's tables after the source's keys), its
    queues and table; the sink root."""
    name = f"t{uuid.uuid4().hex[:10]}"
    root = tmp_path / f"sink-{name}"
    text = config_text(
        aws_endpoint,
        api_url,
        f"file://{root}",
        name,
        source={
            "id": "quokka",
            "kind": "http",
            "application": None,
            "credentials": f"file:{secret}",
            "end": "2026-11-01T06:00:00Z",
            "page_size": 40,
        },
        worker={"task_deadline": "1s", "lease": "10s"},
    )
    path = write_config(tmp_path / f"{name}.toml", text + SPEC.format(api=api_url, order=order))
    settings = load_settings(path)
    ensure_queues(client("sqs", settings.aws), settings)
    ensure_table(client("dynamodb", settings.aws), settings)
    return path, root


def test_an_unseen_api_from_config_alone_exactly_once(
    aws_endpoint: str, quokka: QuokkaApi, tmp_path: Path
) -> None:
    secret = tmp_path / "quokka-secret"
    secret.write_text(CLIENT_SECRET + "\n")
    config_path, root = _stack(aws_endpoint, quokka.url, tmp_path, secret, quokka.order)  # type: ignore[attr-defined]
    assert load_settings(config_path).sources[0].kind == "http"

    result = run_cli("run", "-c", str(config_path), "--workers", "3", "--until-caught-up")
    assert result.returncode == 0, result.stderr[-3000:]

    truth = Counter(json.dumps(e, sort_keys=True) for e in quokka.truth())
    committed = Counter(
        json.dumps({k: v for k, v in item.items() if k != "_logpull"}, sort_keys=True)
        for item in iter_committed_items(root)
    )
    assert sum(truth.values()) == 3000
    assert committed - truth == Counter(), "events in the sink the API never sent, or twice"
    assert truth - committed == Counter(), "events of the API missing from the sink"

    assert all(count == 1 for count in quokka.first_pages.values()), "a window was restarted"
    assert len(quokka.first_pages) == 6
    assert quokka.token_requests >= 2  # tokens expired and were renewed
    finished = [line for line in log_lines(result.stderr) if line.get("event") == "task_finished"]
    assert any(line["outcome"] == "continued" for line in finished)
    assert CLIENT_SECRET not in result.stderr
