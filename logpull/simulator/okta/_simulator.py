"""``OktaSimulator``: generated System Log events behind a real HTTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from logpull.simulator._simulator import ServedSimulator
from logpull.simulator._stats import StatsRecorder
from logpull.simulator.okta._generator import build_okta_store
from logpull.simulator.okta._http import OktaCore, OktaHTTPServer
from logpull.simulator.okta._oauth import AuthorizationServer
from logpull.simulator.okta._ratelimit import RateWindow
from logpull.simulator.okta._service import LogsService
from logpull.simulator.okta._settings import OktaSimulatorSettings

FIRST_PAGE_KEYS = ("since", "until")


class OktaSimulator(ServedSimulator[OktaSimulatorSettings]):
    """A local Okta System Log API (``GET /api/v1/logs``) over real HTTP.

    Events are generated in the constructor (deterministic by ``settings.seed``); ``clock``
    decides what is visible, stamps cursors and drives the rate-limit window and the
    ``Date`` header, so tests can inject a fake one.
    """

    _thread_name = "okta-simulator"

    def __init__(
        self, settings: OktaSimulatorSettings, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(settings, clock)
        store = build_okta_store(settings)
        stats = StatsRecorder(settings.fault_kinds, key_names=FIRST_PAGE_KEYS)
        self._core = OktaCore(
            settings=settings,
            store=store,
            service=LogsService(settings, store, stats, clock),
            faults=self._new_fault_injector(),
            stats=stats,
            rates=RateWindow(settings.rate_limit),
            clock=clock,
            oauth=AuthorizationServer(settings.oauth_clients, settings.access_token_ttl, clock),
        )

    def _make_server(self, host: str, port: int) -> OktaHTTPServer:
        return OktaHTTPServer((host, port), self._core)

    def ground_truth(self) -> list[dict[str, Any]]:
        """Every generated LogEvent (visible or not), ascending by (published, uuid)."""
        return self._core.store.truth()

    def visible_truth(self, at: float | None = None) -> list[dict[str, Any]]:
        """The LogEvents visible at clock time ``at`` (default: the clock now), same order."""
        return self._core.store.truth(self._clock() if at is None else at)

    def token_requests(self) -> int:
        """``POST /oauth2/v1/token`` requests so far (refused ones too)."""
        return self._core.oauth.requests

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        self._core.oauth.expire_all()

    def stats(self) -> dict[str, Any]:
        """The same counters as ``GET /_sim/stats``: ``requests``, ``pages``, ``faults``,
        ``first_page_requests`` (``[{"since", "until", "count"}]``), ``items_served``."""
        return self._core.stats.snapshot()
