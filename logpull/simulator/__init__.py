"""A faithful local simulator of the Admin SDK Reports API ``activities.list``.

    from logpull.simulator import ReportsSimulator, SimulatorSettings

    sim = ReportsSimulator(SimulatorSettings(events=50_000, fault_rate=0.1))
    url = sim.start()          # http://127.0.0.1:PORT, usable as googleapiclient api_endpoint
    ...
    sim.stop()

Besides ``activities.list`` it serves two test hooks: ``GET /_sim/truth?applicationName=X``
(every generated item) and ``GET /_sim/stats`` (request counters, see ``stats()``).

``OktaSimulator`` / ``OktaSimulatorSettings`` do the same for Okta's System Log API
(``GET /api/v1/logs``); see ``logpull.simulator.okta``.
"""

from logpull.simulator._apps import APPLICATION_NAMES
from logpull.simulator._settings import FAULT_KINDS, SimulatorSettings
from logpull.simulator._simulator import ReportsSimulator, serve_forever
from logpull.simulator._timefmt import format_ms, parse_rfc3339
from logpull.simulator.okta import OKTA_FAULT_KINDS, OktaSimulator, OktaSimulatorSettings

__all__ = [
    "APPLICATION_NAMES",
    "FAULT_KINDS",
    "OKTA_FAULT_KINDS",
    "OktaSimulator",
    "OktaSimulatorSettings",
    "ReportsSimulator",
    "SimulatorSettings",
    "format_ms",
    "parse_rfc3339",
    "serve_forever",
]
