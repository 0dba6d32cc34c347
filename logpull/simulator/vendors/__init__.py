"""Fakes of third-party audit-log APIs, each written from its vendor's documentation
(never from a logpull spec), for testing sources against the vendor's behaviour.

    from logpull.simulator.vendors import GitHubAuditLog, GitHubSettings

    sim = GitHubAuditLog(GitHubSettings(events=5_000, late_fraction=0.1,
                                        late_min=600, late_max=3600), clock=clock)
    url = sim.start()          # http://127.0.0.1:PORT (ephemeral port)
    ...                        # GET {url}/orgs/acme/audit-log, "Authorization: Bearer test-token"
    sim.ground_truth()         # every event as served, ascending by (time, id)
    sim.stats()                # requests, pages, items_served, faults, statuses, rate_limited
    sim.stop()

``FAKES`` maps the ``logpull simulate --api`` names to (simulator class, settings
class). README.md in this package says what each fake models and from which docs.
"""

from __future__ import annotations

from typing import Any

from logpull.simulator.vendors._server import VendorSimulator
from logpull.simulator.vendors._settings import VendorSettings
from logpull.simulator.vendors.atlassian import AtlassianOrgAudit, AtlassianSettings
from logpull.simulator.vendors.github import GitHubAuditLog, GitHubSettings
from logpull.simulator.vendors.graph import GraphAuditLogs, GraphSettings
from logpull.simulator.vendors.onepassword import OnePasswordEvents, OnePasswordSettings
from logpull.simulator.vendors.slack import SlackAuditLogs, SlackSettings
from logpull.simulator.vendors.zylo import ZyloAudit, ZyloSettings

FAKES: dict[str, tuple[type[VendorSimulator[Any]], type[VendorSettings]]] = {
    "github": (GitHubAuditLog, GitHubSettings),
    "slack": (SlackAuditLogs, SlackSettings),
    "onepassword": (OnePasswordEvents, OnePasswordSettings),
    "atlassian": (AtlassianOrgAudit, AtlassianSettings),
    "zylo": (ZyloAudit, ZyloSettings),
    "graph": (GraphAuditLogs, GraphSettings),
}

__all__ = [
    "FAKES",
    "AtlassianOrgAudit",
    "AtlassianSettings",
    "GitHubAuditLog",
    "GitHubSettings",
    "GraphAuditLogs",
    "GraphSettings",
    "OnePasswordEvents",
    "OnePasswordSettings",
    "SlackAuditLogs",
    "SlackSettings",
    "VendorSettings",
    "VendorSimulator",
    "ZyloAudit",
    "ZyloSettings",
]
