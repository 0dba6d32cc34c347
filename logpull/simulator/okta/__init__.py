"""A faithful local simulator of Okta's System Log API (``GET /api/v1/logs``).

    from logpull.simulator import OktaSimulator, OktaSimulatorSettings

    sim = OktaSimulator(OktaSimulatorSettings(events=50_000, fault_rate=0.1))
    url = sim.start()   # http://127.0.0.1:PORT; GET {url}/api/v1/logs with
    ...                 # "Authorization: SSWS test-token"
    sim.stop()

Semantics (README.md in this package has the full client contract):

* ``since`` is inclusive, ``until`` is EXCLUSIVE, both on ``published`` (ISO 8601 with
  ``Z`` or an offset, any fractional precision); ``limit`` 1..1000 (default 100);
  ``sortOrder`` ASCENDING (default) or DESCENDING; items ordered by ``published`` then
  ``uuid``.
* Bounded requests (``until`` given, or DESCENDING): ``Link: <...>; rel="next"`` exactly
  when at least one more matching, visible event lies beyond the page; never on the last
  page. Polling requests (no ``until``, ASCENDING) filter and order by persistence
  (visible-at) time and always carry a next link, as Okta's do.
* Every response carries ``Link: <...>; rel="self"`` (200s) and ``X-Rate-Limit-*``.

Test hooks without auth: ``GET /_sim/truth`` (every generated event) and ``GET /_sim/stats``.
"""

from logpull.simulator.okta._settings import OKTA_FAULT_KINDS, OktaSimulatorSettings
from logpull.simulator.okta._simulator import OktaSimulator

__all__ = ["OKTA_FAULT_KINDS", "OktaSimulator", "OktaSimulatorSettings"]
