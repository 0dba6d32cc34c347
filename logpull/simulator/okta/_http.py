"""The HTTP face of the Okta simulator: auth, rate-limit headers, Link headers, faults
acted out on the wire, and the test hooks."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote, urlencode

from logpull.simulator._faults import TRANSPORT_FAULTS, FaultInjector
from logpull.simulator._http import WireHandler, WireServer
from logpull.simulator._stats import StatsRecorder
from logpull.simulator.okta._errors import (
    OktaError,
    internal_error,
    invalid_token,
    method_not_allowed,
    not_found,
    rate_limited,
    unavailable,
)
from logpull.simulator.okta._oauth import TOKEN_PATH, AuthorizationServer
from logpull.simulator.okta._ratelimit import RateState, RateWindow
from logpull.simulator.okta._service import LogsService
from logpull.simulator.okta._settings import OktaSimulatorSettings
from logpull.simulator.okta._store import OktaStore

LOGS_PATH = "/api/v1/logs"
_AUTH = re.compile(r"(?i:SSWS|Bearer)\s+(.+)")
_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::\d+)?|\[[0-9A-Fa-f:.]+\](?::\d+)?")

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class OktaCore:
    """Everything a request handler needs; shared by all handler threads."""

    settings: OktaSimulatorSettings
    store: OktaStore
    service: LogsService
    faults: FaultInjector
    stats: StatsRecorder
    rates: RateWindow
    clock: Callable[[], float]
    oauth: AuthorizationServer


class OktaHTTPServer(WireServer):
    def __init__(self, address: tuple[str, int], core: OktaCore) -> None:
        super().__init__(address, OktaHandler)
        self.core = core


class OktaHandler(WireHandler):
    server: OktaHTTPServer
    server_version = "nginx"
    content_type = "application/json"

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header reads the simulator clock, like ``X-Rate-Limit-Reset``."""
        moment = self.server.core.clock() if timestamp is None else timestamp
        return formatdate(moment, usegmt=True)

    def do_GET(self) -> None:
        path, pairs, params = self._query()
        core = self.server.core
        if path.rstrip("/") == LOGS_PATH:
            self._logs(params, pairs)
        elif not self._test_hook(path, core.store.truth_blobs, core.stats):
            self._send_error(not_found(path))

    def _not_allowed(self) -> None:
        self._send_error(method_not_allowed())

    do_PUT = do_PATCH = do_DELETE = _not_allowed

    def do_POST(self) -> None:
        path = self._query()[0]
        if path.rstrip("/") != TOKEN_PATH:
            self._not_allowed()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 64 * 1024))
        status, answer = self.server.core.oauth.token(body, self._base_url() + TOKEN_PATH)
        self._send(status, answer, headers=(("Cache-Control", "no-store"),))

    def _logs(self, params: dict[str, str], pairs: list[tuple[str, str]]) -> None:
        core = self.server.core
        core.stats.request()
        rate = core.rates.take(core.clock())
        fault = self._draw_fault(core.settings.page_latency, core.faults, core.stats)
        if fault is not None:
            self._act_out(fault, params, pairs, rate)
            return
        status, body, headers = self._answer(params, pairs, rate, record=True)
        self._send(status, body, headers=headers)

    def _answer(
        self,
        params: dict[str, str],
        pairs: list[tuple[str, str]],
        rate: RateState,
        *,
        record: bool,
    ) -> tuple[int, bytes, Headers]:
        """Status, body and headers of a fault-free answer."""
        core = self.server.core
        common = (*rate.headers(), ("X-Okta-Request-Id", _request_id()))
        try:
            if not self._authorized():
                raise invalid_token()
            if rate.exceeded:
                core.stats.refused()
                raise rate_limited()
            page = core.service.list_logs(params, record=record)
        except OktaError as error:
            return error.status, error.body(), (*common, *error.headers)
        base = self._base_url()
        links = [("Link", f'<{base}{self.path}>; rel="self"')]
        if page.next_after is not None:
            kept = [(name, value) for name, value in pairs if name != "after"]
            query = urlencode([*kept, ("after", page.next_after)], quote_via=quote)
            links.append(("Link", f'<{base}{LOGS_PATH}?{query}>; rel="next"'))
        return 200, page.body, (*common, *links)

    def _act_out(
        self, fault: str, params: dict[str, str], pairs: list[tuple[str, str]], rate: RateState
    ) -> None:
        core = self.server.core
        if fault == "429":
            exhausted = core.rates.exhausted(core.clock())
            self._send_error(rate_limited(headers=exhausted.headers()))
        elif fault == "500":
            self._send_error(internal_error(), rate.headers())
        elif fault == "503":
            self._send_error(unavailable(), rate.headers())
        elif fault == "not_json":
            self._send(200, b"<html>oops</html>", headers=rate.headers())
        elif fault == "truncated":
            status, body, headers = self._answer(params, pairs, rate, record=False)
            self._send(status, body, headers=headers, cut=len(body) // 2)
        else:
            assert fault in TRANSPORT_FAULTS  # "reset"
            self._reset()

    def _send_error(self, error: OktaError, extra: Headers = ()) -> None:
        self._send(error.status, error.body(), headers=(*extra, *error.headers))

    def _authorized(self) -> bool:
        found = _AUTH.fullmatch(self.headers.get("Authorization", "").strip())
        if found is None:
            return False
        core = self.server.core
        issued = found.group(0)[:7].lower() == "bearer " and core.oauth.accepts(found.group(1))
        return issued or secrets.compare_digest(found.group(1), core.settings.token)

    def _base_url(self) -> str:
        """How the client reached us: its Host header, else the listening address."""
        host = self.headers.get("Host", "")
        return f"http://{host}" if _HOST.fullmatch(host) else self.server.base_url


def _request_id() -> str:
    return secrets.token_urlsafe(20)[:27]
