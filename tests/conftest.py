"""Shared fixtures: a moto server over real HTTP (or $AWS_ENDPOINT_URL), simulators,
and per-test settings with their own queue, DLQ and table names."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# LOGPULL_TEST_CLOCK_SHIFT=400d: every Python process of the run (this one, xdist's,
# workers, servers) lives that far from today, monotonic clocks untouched (README, Tests)
_TIMESHIFT = str(Path(__file__).parent / "timeshift")
if os.environ.get("LOGPULL_TEST_CLOCK_SHIFT", "").strip():
    if _TIMESHIFT not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (_TIMESHIFT, os.environ.get("PYTHONPATH", "")) if p)
    sys.path.insert(0, _TIMESHIFT)
    import logpull_timeshift  # noqa: F401  (shifts this process's clock, once)

# No timing in tests (shared, noisy machines): hypothesis must not enforce deadlines.
hypothesis_settings.register_profile("logpull", deadline=None, print_blob=True)
hypothesis_settings.load_profile("logpull")

from logpull.simulator import ReportsSimulator, SimulatorSettings
from shared.aws.clients import client
from shared.aws.emulator import start_emulator, use_dummy_credentials
from shared.aws.provision import ensure_queues, ensure_table
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, load_settings
from shared.sink_reader import iter_committed_items, iter_s3_committed_items
from worker.sinks.s3_sink import ensure_bucket


def ticking_clock(at: datetime) -> Callable[[], float]:
    """A wall clock that reads ``at`` now and moves on with the monotonic clock: a test's
    "now" from the same clock that placed its data, whatever day the suite runs."""
    began = time.monotonic()
    return lambda: at.timestamp() + (time.monotonic() - began)


def external_endpoint() -> str | None:
    """LocalStack or real AWS when the environment names one (see README)."""
    if os.environ.get("AWS_ENDPOINT_URL"):
        return os.environ["AWS_ENDPOINT_URL"]
    if os.environ.get("LOCALSTACK_HOST"):
        import localstack_client.config

        return str(localstack_client.config.get_service_endpoint("sqs"))
    return None


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    use_dummy_credentials()
    external = external_endpoint()
    if external:
        yield external
        return
    emulator = start_emulator()
    yield emulator.url
    emulator.stop()


@pytest.fixture(scope="session")
def dynamodb_engine_url() -> Iterator[str]:
    """A DynamoDB engine other than moto, from the environment (tests/engines.py)."""
    from engines import dynamodb_engine

    with dynamodb_engine() as url:
        yield url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``engines`` that builds a stack runs once with the state table on moto
    and once on the DynamoDB engine (SQS and S3 stay on ``aws_endpoint`` both times)."""
    if metafunc.definition.get_closest_marker("engines") and "make_stack" in metafunc.fixturenames:
        metafunc.parametrize("dynamodb_backend", ["moto", "engine"], indirect=True,
                             ids=["moto", "dynamodb-engine"])


@pytest.fixture
def dynamodb_backend(request: pytest.FixtureRequest, aws_endpoint: str) -> str | None:
    """The endpoint of the state table when it is not ``aws_endpoint``; None when it is."""
    if getattr(request, "param", "moto") == "moto":
        return None
    return str(request.getfixturevalue("dynamodb_engine_url"))


@dataclass
class Stack:
    settings: Settings
    config_path: Path
    store: DynamoStateStore
    queue: SqsTaskQueue
    sink_root: Path  # file:// sinks; s3:// sinks use a bucket named after the stack

    def caught_up(self, source: str = "gws-login") -> bool:
        """Every window done and its accepted parts published (what `logpull run` waits
        for: a crash between the last checkpoint and its publish leaves the last part
        staged until the task's message comes back)."""
        from logpull.cli._running import published_in_sink

        published = published_in_sink(self.settings)
        return all(w.state == "done" and published(w) for w in self.store.list_windows(source))

    def committed(self) -> Iterator[dict[str, Any]]:
        """What a consumer of the sink sees (CONTRACT.md's committed output)."""
        url = self.settings.sink.url
        if url.startswith("s3://"):
            bucket, _, prefix = url.removeprefix("s3://").partition("/")
            return iter_s3_committed_items(client("s3", self.settings.aws), bucket, prefix)
        return iter_committed_items(self.sink_root)


def write_config(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def config_text(aws_url: str, api_url: str, sink: str, name: str, **over: Any) -> str:
    source = {"id": "gws-login", "application": "login", "start": "2026-11-01T00:00:00Z",
              "window": "1h", "settle": "1m", "page_size": 100, "late_horizon": "1m",
              "credentials": "anonymous", "kind": "google_reports"}
    source.update(over.pop("source", {}))
    source = {k: v for k, v in source.items() if v is not None}  # None: leave the key out
    worker = {"task_deadline": "30s", "lease": "10s", "receive_wait": "1s"}
    worker.update(over.pop("worker", {}))

    def toml(values: dict[str, Any]) -> str:
        return "\n".join(f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in values.items())

    dynamodb_url = over.pop("dynamodb_url", None)
    dynamodb_line = f'dynamodb_endpoint_url = "{dynamodb_url}"' if dynamodb_url else ""
    return f"""
[aws]
endpoint_url = "{aws_url}"
{dynamodb_line}
queue_name = "{name}-tasks"
dlq_name = "{name}-dlq"
table_name = "{name}-state"
max_receive_count = {over.pop("max_receive_count", 10)}

[worker]
{toml(worker)}

[orchestrator]
enqueue_grace = "{over.pop("enqueue_grace", "2s")}"

[sink]
url = "{sink}"
create_bucket = true
{over.pop("sink_extra", "")}

[logging]
level = "info"
format = "json"

[[sources]]
api_endpoint = "{api_url}"
{toml(source)}
"""


@pytest.fixture
def make_stack(aws_endpoint: str, dynamodb_backend: str | None, tmp_path: Path) -> Callable[..., Stack]:
    """A stack of its own queues, table and sink. ``aws_url`` (e.g. a fault proxy's) is the
    endpoint logpull's config names; the stack's own clients talk to ``aws_endpoint``. The
    state table is on ``dynamodb_backend`` when a test runs on a DynamoDB engine."""

    def make(api_url: str = "http://127.0.0.1:9", sink: str = "file", aws_url: str | None = None,
             **over: Any) -> Stack:
        name = f"t{uuid.uuid4().hex[:10]}"
        root = tmp_path / f"sink-{name}"
        url = f"s3://{name}-sink/audit" if sink == "s3" else f"file://{root}"
        if dynamodb_backend is not None:
            if aws_url is not None:
                raise ValueError("a fault proxy fronts aws_endpoint, not the DynamoDB engine")
            over["dynamodb_url"] = dynamodb_backend
        if over.pop("ocsf", False):  # normalised output too, under a root of its own
            ocsf_url = f"s3://{name}-sink/ocsf" if sink == "s3" else f"file://{root}-ocsf"
            over["sink_extra"] = f'ocsf_url = "{ocsf_url}"\n' + over.get("sink_extra", "")
        path = write_config(tmp_path / f"{name}.toml",
                            config_text(aws_url or aws_endpoint, api_url, url, name, **over))
        settings = load_settings(path)
        if aws_url is not None:
            direct = settings.aws.model_copy(update={"endpoint_url": aws_endpoint})
            settings = settings.model_copy(update={"aws": direct})
        ensure_queues(client("sqs", settings.aws), settings)
        ensure_table(client("dynamodb", settings.aws), settings)
        if sink == "s3":
            ensure_bucket(client("s3", settings.aws), url)
        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name,
                             settings.aws.dlq_name, settings.aws.backfill_queue)
        return Stack(settings, path, store, queue, root)

    return make


@pytest.fixture
def fault_proxy(aws_endpoint: str) -> Iterator[Any]:
    """A fault-injecting proxy in front of the AWS endpoint (faults off until the test
    sets ``rates``; see tests/faultproxy.py)."""
    from faultproxy import FaultProxy

    proxy = FaultProxy(aws_endpoint, seed=20261127).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An http:// address whose kernel accepts connections and where nobody ever answers
    (an API or an AWS endpoint that hangs)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def _serving(build: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """A factory of started simulators (``build(**settings)``), all stopped afterwards."""
    started: list[Any] = []

    def make(**settings: Any) -> Any:
        sim = build(**settings)
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def simulator() -> Iterator[Callable[..., ReportsSimulator]]:
    yield from _serving(lambda **settings: ReportsSimulator(SimulatorSettings(**settings)))


@pytest.fixture
def okta_simulator() -> Iterator[Callable[..., Any]]:
    """Okta System Log simulators, started with the given settings, stopped after the test."""
    from logpull.simulator import OktaSimulator, OktaSimulatorSettings

    yield from _serving(lambda **settings: OktaSimulator(OktaSimulatorSettings(**settings)))


@dataclass
class Api:
    """One API under test: its simulator and the source settings that point at it."""

    kind: str
    token_file: Path
    started: list[Any]

    def start(self, **settings: Any) -> Any:
        if self.kind == "google_reports":
            sim: Any = ReportsSimulator(SimulatorSettings(**settings))
        else:
            from logpull.simulator import OktaSimulator, OktaSimulatorSettings

            settings.pop("retry_after", None)  # Okta's 429 says when via X-Rate-Limit-Reset
            if "token_ttl" in settings:
                settings["cursor_ttl"] = settings.pop("token_ttl")
            sim = OktaSimulator(OktaSimulatorSettings(token=self.token_file.read_text().strip(), **settings))
        sim.start()
        self.started.append(sim)
        return sim

    def source(self, **over: Any) -> dict[str, Any]:
        if self.kind == "google_reports":
            return {"kind": "google_reports", "credentials": "anonymous", **over}
        return {"kind": "okta_system_log", "credentials": f"file:{self.token_file}", **over}


@pytest.fixture(params=["google_reports", "okta_system_log"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    token_file = tmp_path / "okta-token"
    token_file.write_text(f"00{uuid.uuid4().hex}\n")
    chosen = Api(request.param, token_file, [])
    yield chosen
    for sim in chosen.started:
        sim.stop()
