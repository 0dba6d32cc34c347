"""``ReportsSimulator``: generated events behind a real HTTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from logpull.simulator._basesettings import BaseSimulatorSettings
from logpull.simulator._faults import FaultInjector
from logpull.simulator._generator import build_store
from logpull.simulator._quota import MinuteQuota
from logpull.simulator._http import SimulatorCore, SimulatorHTTPServer, WireServer
from logpull.simulator._service import ActivitiesService
from logpull.simulator._settings import SimulatorSettings
from logpull.simulator._stats import StatsRecorder

SettingsT = TypeVar("SettingsT", bound=BaseSimulatorSettings)


class ServedSimulator(Generic[SettingsT]):
    """Settings, clock and the start/serve/stop plumbing shared by the simulators.

    A subclass implements ``_make_server`` (bind a ``WireServer`` subclass to its state)
    and calls ``super().__init__(settings, clock)``.
    """

    _thread_name = "simulator"

    def __init__(self, settings: SettingsT, clock: Callable[[], float]) -> None:
        self.settings = settings
        self._clock = clock
        self._server: WireServer | None = None
        self._thread: threading.Thread | None = None

    def _new_fault_injector(self) -> FaultInjector:
        """The seeded fault draws of ``settings`` (one injector per simulator)."""
        settings = self.settings
        return FaultInjector(settings.seed, settings.fault_rate, settings.fault_kinds)

    def _make_server(self, host: str, port: int) -> WireServer:
        raise NotImplementedError

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; returns the base url, e.g. ``http://127.0.0.1:PORT``."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._server = self._make_server(host, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self._thread_name,
            daemon=True,
        )
        self._thread.start()
        return self.url

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, ready: Callable[[str], None] | None = None
    ) -> None:
        """Serve in the calling thread until interrupted; ``ready`` gets the base url."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        server = self._make_server(host, port)
        try:
            if ready is not None:
                ready(base_url(server))
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()

    def stop(self) -> None:
        """Stop accepting requests and close the listening socket. Idempotent."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return base_url(self._server)

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class ReportsSimulator(ServedSimulator[SimulatorSettings]):
    """A local ``admin.reports_v1`` ``activities.list`` endpoint over real HTTP.

    Events are generated in the constructor (deterministic by ``settings.seed``); ``clock``
    decides what is visible and stamps page tokens, so tests can inject a fake one.
    """

    _thread_name = "reports-simulator"

    def __init__(self, settings: SimulatorSettings, clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings, clock)
        store = build_store(settings)
        stats = StatsRecorder(settings.fault_kinds)
        self._core = SimulatorCore(
            settings=settings,
            store=store,
            service=ActivitiesService(settings, store, stats, clock),
            faults=self._new_fault_injector(),
            stats=stats,
            quota=MinuteQuota(settings.quota_per_minute) if settings.quota_per_minute else None,
            clock=clock,
        )

    def _make_server(self, host: str, port: int) -> SimulatorHTTPServer:
        return SimulatorHTTPServer((host, port), self._core)

    def ground_truth(self, application: str | None = None) -> list[dict[str, Any]]:
        """Every generated Activity (visible or not), newest first; all apps if ``None``."""
        return self._core.store.truth(application)

    def visible_truth(
        self, application: str | None, at: float | None = None
    ) -> list[dict[str, Any]]:
        """The Activities visible at wall time ``at`` (default: the clock now), newest first."""
        return self._core.store.truth(application, self._clock() if at is None else at)

    def stats(self) -> dict[str, Any]:
        """The same counters as ``GET /_sim/stats``."""
        return self._core.stats.snapshot()


def base_url(server: WireServer) -> str:
    return server.base_url


def serve_forever(
    settings: SimulatorSettings,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Generate events and serve until interrupted (blocking; prints nothing itself).

    ``ready`` is called with the base url once the socket listens, e.g. for a CLI to print.
    """
    ReportsSimulator(settings).serve(host, port, ready=ready)
