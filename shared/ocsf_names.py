"""The names of the OCSF mappings (``worker.ocsf.MAPPINGS``), here so that the config can
refuse an ``ocsf_mapping`` no mapping answers to when it loads: ``shared`` imports
nothing above it, and a test keeps this list and the registry equal."""

from __future__ import annotations

MAPPING_NAMES = frozenset({
    "google_reports", "okta_system_log", "microsoft_graph_audit", "github_audit_log",
    "slack_audit_logs", "onepassword_events", "atlassian_org_audit",
})  # fmt: skip
GENERIC = "generic"  # Base Event, every field in ``unmapped`` (kind = "http"'s default)
KNOWN = MAPPING_NAMES | {GENERIC}
