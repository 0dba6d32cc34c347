"""A fault-injecting HTTP proxy between logpull and an AWS endpoint (the moto server).

AWS itself faults: it throttles, answers 500/503, answers slowly, and sometimes loses an
answer after the write happened. The proxy does all of that to the requests passing
through it, seeded, per request:

- ``refuse``: answer at once, without forwarding, with the error the service would send
  (DynamoDB: 400 ``ProvisionedThroughputExceededException``; SQS: 500 ``InternalError``
  in the JSON protocol botocore speaks; S3: 503 ``SlowDown``). botocore retries them.
- ``lose``: forward, read the answer, then close the connection without sending it. The
  write happened; botocore sees a closed connection and sends the request again.
- ``delay``: sleep a moment before forwarding.

The service is read from the SigV4 credential scope (``…/<region>/<service>/aws4_request``),
the operation from ``X-Amz-Target`` (DynamoDB, SQS) or from the method and path (S3).
``enabled``, ``rates``, ``only``, ``planned`` (faults for the next matching requests, a
deterministic hook for unit tests) and ``schedule`` (a fault for the n-th request of an
operation, whatever the rates) can be changed while it runs; ``injected`` counts the
faults by (kind, service, operation) so a test can assert that faults happened.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KINDS = ("refuse", "lose", "delay")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
              "upgrade", "proxy-authorization", "proxy-authenticate"}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

REFUSALS: dict[str, tuple[int, str, bytes]] = {
    "dynamodb": (400, "application/x-amz-json-1.0",
                 b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
                 b'"message":"The level of configured provisioned throughput for the table was exceeded."}'),
    "sqs": (500, "application/x-amz-json-1.0",
            b'{"__type":"com.amazonaws.sqs#InternalError","message":"We encountered an internal error."}'),
    "s3": (503, "application/xml",
           b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
           b"<Message>Please reduce your request rate.</Message><RequestId>FAULTPROXY</RequestId></Error>"),
}


@dataclass
class Rates:
    """Probability of each fault per request (they are exclusive: at most one a request)."""

    refuse: float = 0.0
    lose: float = 0.0
    delay: float = 0.0
    delay_range: tuple[float, float] = (0.05, 0.5)

    def pick(self, rng: random.Random) -> str | None:
        draw = rng.random()
        for kind in KINDS:
            draw -= getattr(self, kind)
            if draw < 0:
                return kind
        return None


def service_of(headers: Message) -> str:
    found = _SCOPE.search(headers.get("Authorization", ""))
    if found:
        return found.group(1)
    target = headers.get("X-Amz-Target", "")
    if target.startswith("DynamoDB"):
        return "dynamodb"
    return "sqs" if target.startswith("AmazonSQS") else "s3"


def s3_operation(method: str, path: str, headers: Message) -> str:
    """The S3 operation of a path-style request (close enough to botocore's names)."""
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    has_key = "/" in parts.path.strip("/")
    for sub in ("versioning", "versions", "uploads", "publicAccessBlock", "tagging", "acl", "delete"):
        if sub in query:
            return f"{method.title()}{sub[0].upper()}{sub[1:]}"
    if not has_key:
        return {"GET": "ListObjectsV2" if "list-type" in query else "ListObjects", "HEAD": "HeadBucket",
                "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, method)
    if method == "PUT":
        return "CopyObject" if headers.get("x-amz-copy-source") else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)


def operation_of(service: str, method: str, path: str, headers: Message) -> str:
    target = headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    return s3_operation(method, path, headers) if service == "s3" else method


@dataclass
class FaultProxy:
    """``start()`` it, point clients at ``url``; ``stop()`` at the end."""

    upstream: str
    seed: int = 0
    rates: Rates = field(default_factory=Rates)
    enabled: bool = True
    only: set[str] | None = None  # "service" or "service:Operation" names faults are limited to
    planned: list[str] = field(default_factory=list)  # kinds for the next matching requests, before rates
    schedule: dict[str, dict[int, str]] = field(default_factory=dict)  # "service:Op" -> {nth request: kind}
    injected: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    journal: list[tuple[str, str, str, str]] = field(default_factory=list)  # (kind, service, op, path)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._host = "127.0.0.1"
        target = urlsplit(self.upstream)
        self._upstream_host, self._upstream_port = target.hostname or "127.0.0.1", target.port or 80

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the proxy first"
        return f"http://{self._host}:{self._server.server_address[1]}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._host = host
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="faultproxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def faults(self, kind: str | None = None, operations: Iterable[str] | None = None) -> int:
        """How many faults were injected (of ``kind``; on ``operations`` like "dynamodb:UpdateItem")."""
        wanted = set(operations) if operations is not None else None
        return sum(n for (k, service, op), n in self.injected.items()
                   if (kind is None or k == kind) and (wanted is None or f"{service}:{op}" in wanted))

    def decide(self, service: str, operation: str, path: str = "") -> tuple[str | None, float]:
        kind, pause = self._decide(service, operation)
        if kind is not None:
            with self._lock:
                self.journal.append((kind, service, operation, path))
        return kind, pause

    def _decide(self, service: str, operation: str) -> tuple[str | None, float]:
        with self._lock:
            self.requests[(service, operation)] += 1
            scheduled = self.schedule.get(f"{service}:{operation}", {}).get(self.requests[(service, operation)])
            if self.enabled and scheduled is not None:
                self.injected[(scheduled, service, operation)] += 1
                return scheduled, self._rng.uniform(*self.rates.delay_range)
            if not self.enabled or (self.only is not None and service not in self.only
                                    and f"{service}:{operation}" not in self.only):
                return None, 0.0
            kind = self.planned.pop(0) if self.planned else self.rates.pick(self._rng)
            pause = self._rng.uniform(*self.rates.delay_range) if kind == "delay" else 0.0
            if kind is not None:
                self.injected[(kind, service, operation)] += 1
            return kind, pause

    def forward(self, method: str, path: str, headers: list[tuple[str, str]],
                body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=60)
        try:
            conn.request(method, path, body=body if body or method in {"PUT", "POST"} else None,
                         headers=dict(headers))
            response = conn.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

    def log_message(self, format: str, *args: object) -> None:
        return

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._body()
        service = service_of(self.headers)
        operation = operation_of(service, self.command, self.path, self.headers)
        kind, pause = self.owner.decide(service, operation, self.path)
        if kind == "refuse":
            status, content_type, payload = REFUSALS.get(service, REFUSALS["sqs"])
            self._answer(status, "Fault", [("Content-Type", content_type), ("x-amzn-RequestId", "faultproxy")],
                         payload)
            return
        if kind == "delay":
            time.sleep(pause)
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"expect"}]
        if "Content-Length" not in self.headers and body:
            headers.append(("Content-Length", str(len(body))))
        try:
            status, reason, answer_headers, data = self.owner.forward(self.command, self.path, headers, body)
        except (OSError, http.client.HTTPException):
            self._drop()  # the upstream failed: the client sees a lost connection
            return
        if kind == "lose":
            self._drop()
            return
        dropped = HOP_BY_HOP if self.command == "HEAD" else HOP_BY_HOP | {"content-length"}
        self._answer(status, reason, [(k, v) for k, v in answer_headers if k.lower() not in dropped], data)

    def _answer(self, status: int, reason: str, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        if self.command != "HEAD" or not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the client's connection with nothing sent: the answer is lost."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle
