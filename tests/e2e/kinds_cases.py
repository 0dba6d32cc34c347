"""The built-in vendor kinds (and the invented Zylo, configured with ``kind = "http"``
from the README's walkthrough) against their vendor fakes: how each is configured, how
its fake is started, and how the sink is compared with the fake's ground truth.

Shared by the end-to-end tests (tests/e2e/test_builtin_kinds_run.py) and the held-out
full-size checks (scripts/heldout_kinds.py)."""

from __future__ import annotations

import contextlib
import gzip
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logpull.simulator.vendors import FAKES, VendorSimulator
from shared.sink_reader import iter_committed_items
from shared.verify import Comparison, compare

# Zylo Audit, configured from the README's walkthrough ("Configuring an unseen API") and
# Zylo's own docs alone (logpull/simulator/vendors/README.md, the zylo.py docstring).
ZYLO_SPEC = """
[sources.request]
url = "/v2/audit/events"
page_size_param = "page_size"
page_size_max = 500

[sources.auth]
type = "header"
name = "X-Zylo-Token"

[sources.time_range]
start_param = "since"
end_param = "until"
format = "epoch_s"
start_inclusive = false
end_inclusive = true

[sources.pages]
token_from = "next_url"
token_path = "paging.next_url"
dead_token_statuses = [410]
error_code_path = "error.code"

[sources.records]
path = "events"
time_path = "occurred"
time_format = "epoch_s"
id_paths = ["event_id"]
order = "oldest_first"

[sources.rate_limit]
limit_header = "X-RateLimit-Limit"
remaining_header = "X-RateLimit-Remaining"
reset_header = "X-RateLimit-Reset"
reset_format = "epoch"
"""


@dataclass(frozen=True)
class KindCase:
    """One kind against one fake."""

    name: str  # the test id
    fake: str  # logpull.simulator.vendors.FAKES key
    keys: dict[str, Any]  # the block's own keys (kind, organization, org_id, ...)
    spec: str = ""  # tables after the block (kind = "http")
    # Fault kinds drawn at the fault rate: the vendor's rate-limit answer among them.
    faults: tuple[str, ...] = ("429", "500", "503", "reset")
    # The vendor's 429 says "wait until the rate window's end" (up to a minute) and no
    # sooner: a run that obeys it takes minutes, too long for the default suite.
    slow_429: bool = False
    dead_cursor_status: int = 400  # the fake's answer to an expired cursor
    fake_settings: dict[str, Any] = field(default_factory=dict)
    page_size: int = 25
    login_at_api: bool = False  # the fake serves the OAuth token endpoint too (Graph)

    @property
    def identity(self) -> str:
        return FAKES[self.fake][0].identity

    def fast_faults(self) -> tuple[str, ...]:
        """The fault kinds of a run that must finish in seconds."""
        return tuple(f for f in self.faults if f != "429") if self.slow_429 else self.faults

    def start_fake(self, secret: str, **settings: Any) -> VendorSimulator[Any]:
        sim_class, settings_class = FAKES[self.fake]
        sim = sim_class(settings_class(token=secret, **{**settings, **self.fake_settings}))
        sim.start()
        return sim

    def source(self, block_id: str, secret_file: Path, **over: Any) -> dict[str, Any]:
        """The block's keys for ``conftest.config_text`` (``application`` left out)."""
        keys = {"id": block_id, "application": None, "credentials": f"file:{secret_file}",
                "requests_per_minute": 100_000, **self.keys, **over}  # fmt: skip
        keys.setdefault("page_size", self.page_size)
        return keys

    def logical_ids(self, block_id: str, sim: VendorSimulator[Any]) -> list[str]:
        streams = sim.streams
        return [f"{block_id}/{s}" for s in streams] if len(streams) > 1 else [block_id]

    def streams(self, sim: VendorSimulator[Any]) -> list[str | None]:
        return list(sim.streams) if len(sim.streams) > 1 else [None]


# GitHub's 429 is its secondary limit (retry-after); its 403 fault is the primary limit
# spent, whose x-ratelimit-reset is the end of the hour: a client that obeys it (as it
# must) waits up to an hour, so the 403 is tested by unit tests, not here.
GITHUB_FAULTS = ("429", "500", "502", "503", "reset")

CASES = [
    KindCase("github-org", "github", {"kind": "github_audit_log", "organization": "acme"},
             faults=GITHUB_FAULTS, dead_cursor_status=422),
    KindCase("github-enterprise", "github", {"kind": "github_audit_log", "enterprise": "acme-corp"},
             faults=GITHUB_FAULTS, dead_cursor_status=422),
    KindCase("slack", "slack", {"kind": "slack_audit_logs"}),
    KindCase("onepassword", "onepassword", {"kind": "onepassword_events", "streams": "all"}),
    KindCase("atlassian", "atlassian", {"kind": "atlassian_org_audit",
                                        "org_id": "0a1b2c3d-acme-org"}),
    KindCase("zylo", "zylo", {"kind": "http"}, spec=ZYLO_SPEC, slow_429=True,
             dead_cursor_status=410),
]  # fmt: skip
CASE_IDS = [case.name for case in CASES]
# Graph runs in the default suite on its own (tests/e2e/test_graph_run.py); held out here
# with access tokens that expire every 20 s. Microsoft documents no lifetime for a
# $skiptoken, so its fake's skip tokens do not expire in these checks.
GRAPH = KindCase("graph", "graph", {"kind": "microsoft_graph_audit", "streams": "all",
                                    "tenant_id": "00000000-0000-0000-0000-00000000c0de",
                                    "client_id": "11111111-1111-1111-1111-111111111111"},
                 faults=("429", "503", "504", "reset"), login_at_api=True,
                 fake_settings={"access_token_ttl": 20.0, "cursor_ttl": 86_400.0})
HELD_OUT_CASES = [*CASES, GRAPH]


def new_secret(case: KindCase) -> str:
    """A credential in the vendor's shape, unique per run (so a leak is unambiguous)."""
    prefix = {"slack": "xoxp-", "github": "ghp_", "zylo": "zk_"}.get(case.fake, "")
    return f"{prefix}{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def compare_sink(case: KindCase, sim: VendorSimulator[Any], root: Path,
                 block_id: str) -> dict[str, Comparison]:  # fmt: skip
    """Per logical source: its sink subtree against the fake's ground truth of its stream."""
    found = {}
    for stream, logical in zip(case.streams(sim), case.logical_ids(block_id, sim), strict=True):
        found[logical] = compare(sim.ground_truth(stream), iter_committed_items(root / logical),
                                 identity=by_path(case.identity))  # fmt: skip
    return found


def by_path(path: str) -> Callable[[dict[str, Any]], tuple[str, ...]]:
    """An event's identity: the value at the kind's identity field (``shared.verify``)."""
    return lambda item: (str(item.get(path)),)


def total(results: dict[str, Comparison]) -> Comparison:
    values = list(results.values())
    fields = ("expected", "committed", "missing", "duplicates", "unexpected", "altered")
    return Comparison(*(sum(getattr(r, f) for r in values) for f in fields))


def sink_mentions(root: Path, secret: str) -> list[Path]:
    """Every file under the sink root (committed or staged) whose bytes hold ``secret``."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []:
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            with contextlib.suppress(OSError):
                data = gzip.decompress(data)
        if secret.encode() in data:
            hits.append(path)
    return hits


def first_page_counts(case: KindCase, sim: VendorSimulator[Any]) -> Counter[str]:
    """Successful first-page requests per query (a window asked from its start): more
    than one for the same query means a window was restarted."""
    counts: Counter[str] = Counter()
    for served in sim.requests():
        if served.status != 200 or served.fault is not None:  # noqa: PLR2004
            continue
        params, body = served.params, served.body if isinstance(served.body, dict) else {}
        # (the cursor parameter, the range's fields) of each vendor's request
        cursor, fields = {
            "github": ("after", ("phrase",)),
            "onepassword": ("cursor", ("start_time", "end_time")),
            "slack": ("cursor", ("oldest", "latest")),
            "atlassian": ("cursor", ("from", "to")),
            "zylo": ("page_token", ("since", "until")),
            "graph": ("$skiptoken", ("$filter",)),
        }[case.fake]
        sent = body if case.fake == "onepassword" else params
        paged = sent.get(cursor) or (case.fake == "github" and "before" in params)
        key = None if paged else " ".join([served.path, *(str(sent.get(f)) for f in fields)])
        if key is not None:
            counts[key] += 1
    return counts
