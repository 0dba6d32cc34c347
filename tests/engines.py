"""A DynamoDB engine other than moto for the state table (the tests marked ``engines``).

The project installs no engine of its own: the fixture takes one from the environment,
so any DynamoDB-compatible engine a developer or CI has can run the protocol tests.

- ``LOGPULL_TEST_DYNAMODB_URL``: an endpoint that is already up (an engine started by
  hand or by CI, or a real region's endpoint with real credentials).
- ``LOGPULL_TEST_DYNAMODB_CMD``: a command line with ``{port}`` in it; the fixture runs
  it on a free loopback port for the session, waits until the port answers and stops it.

Neither set: the tests are skipped with that reason. An engine that is named but does
not come up skips them locally and fails them in CI (``CI=true``), so a broken engine
set-up can never pass as a green run (the dramatiq_sqs pattern).
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

URL_VARIABLE = "LOGPULL_TEST_DYNAMODB_URL"
CMD_VARIABLE = "LOGPULL_TEST_DYNAMODB_CMD"
START_TIMEOUT = 60.0


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"DynamoDB engine unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"DynamoDB engine unavailable: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes] | None, log: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(host, port):
        if process is not None and process.poll() is not None:
            unavailable(f"the engine exited with {process.returncode} before listening; "
                        f"its output: {tail(log)}")
        if time.monotonic() > deadline:
            unavailable(f"nothing answered on {host}:{port} within {START_TIMEOUT:.0f} s")
        time.sleep(0.1)


def tail(path: str, chars: int = 600) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()[-chars:].strip() or "(none)"


@contextmanager
def started(command: str) -> Iterator[str]:
    """Run ``command`` (``{port}`` filled in) until the session ends; yield its URL."""
    port = free_port()
    argv = shlex.split(command.replace("{port}", str(port)))
    with tempfile.NamedTemporaryFile(prefix="logpull-dynamodb-", suffix=".log", delete=False) as log:
        try:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:  # no such program (e.g. no java on PATH)
            unavailable(f"cannot run {argv[0]!r} ({CMD_VARIABLE}): {exc}")
    try:
        wait_for_port("127.0.0.1", port, process, log.name)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.unlink(log.name)


@contextmanager
def dynamodb_engine() -> Iterator[str]:
    """The URL of the engine the environment names (see the module's docstring)."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    command = os.environ.get(CMD_VARIABLE, "").strip()
    if url:
        parts = urlsplit(url)
        if parts.hostname in ("127.0.0.1", "localhost", "::1"):
            wait_for_port(parts.hostname, parts.port or 80, None, os.devnull)
        yield url
    elif command:
        with started(command) as started_url:
            yield started_url
    else:
        pytest.skip(f"no DynamoDB engine named: set {URL_VARIABLE} or {CMD_VARIABLE} (README, Tests)")
