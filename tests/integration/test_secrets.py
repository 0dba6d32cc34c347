"""Credentials from Secrets Manager / SSM: loaded, cached, and never logged — a canary
string inside the secret appears in no log line, DLQ reason or exception message."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from structlog.testing import capture_logs

from orchestrator.tick import Orchestrator
from shared.aws.clients import client
from shared.aws.dead_letters import DeadLetters
from worker.context import WorkerContext
from worker.loop import work

pytestmark = pytest.mark.integration
CANARY = "CANARY-7f3e9b1d-do-not-log"
START = datetime(2026, 11, 1, tzinfo=UTC)


class _RefusingTokenEndpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.dumps({"error": "unauthorized_client", "error_description": "Client is unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def token_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingTokenEndpoint)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token"
    server.shutdown()


def service_account_json(token_uri: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": CANARY,
        "private_key": pem, "client_email": f"{CANARY}@p.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": token_uri,
    })


@pytest.mark.parametrize("store", ["secretsmanager", "ssm"])
def test_secret_is_used_but_never_logged(store: str, make_stack: Callable[..., Any], simulator: Callable[..., Any],
                                         token_endpoint: str) -> None:
    sim = simulator(events=50, seed=1, start=START, end=START + timedelta(hours=1))
    name = f"logpull/google-{store}"
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "credentials": f"{store}:{name}",
                                        "subject": "admin@example.com"})
    secret = service_account_json(token_endpoint)
    if store == "secretsmanager":
        client("secretsmanager", stack.settings.aws).create_secret(Name=name, SecretString=secret)
    else:
        client("ssm", stack.settings.aws).put_parameter(Name=name, Value=secret, Type="SecureString")
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    with capture_logs() as logs:
        work(WorkerContext.from_settings(stack.settings), until_idle=True, max_tasks=1)
    finished = [line for line in logs if line["event"] == "task_finished"]
    assert finished and finished[0]["outcome"] == "failed"
    assert "auth" in finished[0]["reason"]  # the token endpoint refused: a permanent error
    assert CANARY not in json.dumps(logs, default=str)
    # refused credentials fail the source, once, not the window (CONTRACT.md): no DLQ entry
    assert DeadLetters(stack.queue, stack.store).peek() == []
    window = next(iter(stack.store.list_windows("gws-login")))
    assert window.state == "pending" and CANARY not in (window.error or "")
    meta = stack.store.get_meta("gws-login")
    assert meta is not None and meta.failed is not None and meta.failed.reason == "auth_failed"
    assert CANARY not in meta.failed.error


def test_a_missing_secret_fails_the_task_clearly(make_stack: Callable[..., Any], simulator: Callable[..., Any]) -> None:
    sim = simulator(events=10, seed=1, start=START, end=START + timedelta(hours=1))
    stack = make_stack(sim.url, source={"end": "2026-11-01T01:00:00Z", "credentials": "secretsmanager:nope"})
    Orchestrator(stack.settings, stack.store, stack.queue).tick()
    with capture_logs() as logs:
        work(WorkerContext.from_settings(stack.settings), until_idle=True, max_tasks=1)
    finished = [line for line in logs if line["event"] == "task_finished"][0]
    assert finished["outcome"] == "failed"
    assert "could not read credentials secretsmanager:nope (ResourceNotFoundException)" in finished["reason"]
