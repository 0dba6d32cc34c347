"""``logpull demo --ocsf``: the closing table counts the OCSF output against the raw one,
and a mismatch fails the demo; without the flag nothing about OCSF is shown."""

from __future__ import annotations

import io

from rich.console import Console

from logpull.cli._demo_ocsf import OcsfCount
from logpull.cli._demo_summary import DemoOutcome, print_closing_table

BASE: dict[str, object] = dict(
    expected=3000, committed=3000, missing=0, duplicates=0, unexpected=0, altered=0, windows_done=24,
    windows_failed=0, pages=47, continuations=0, first_pages_reread=0, late_events=0, worker_restarts=0,
    seconds=4.4, sink="/tmp/demo/sink",
)


def rendered(outcome: DemoOutcome) -> str:
    out = io.StringIO()
    print_closing_table(outcome, Console(file=out, width=100, no_color=True, color_system=None))
    return out.getvalue()


def test_the_ocsf_count_is_shown_and_decides_the_verdict() -> None:
    plain = DemoOutcome(**BASE)  # type: ignore[arg-type]
    assert "OCSF" not in rendered(plain) and plain.exact
    good = DemoOutcome(**BASE, ocsf=OcsfCount(3000, 3000, 0, 0, 0))  # type: ignore[arg-type]
    assert good.exact and "3,000 objects for 3,000 raw events: missing 0" in rendered(good)
    for bad in (OcsfCount(2999, 3000, 1, 0, 0), OcsfCount(3001, 3000, 0, 1, 0), OcsfCount(3001, 3000, 0, 0, 1)):
        outcome = DemoOutcome(**BASE, ocsf=bad)  # type: ignore[arg-type]
        assert not outcome.exact and "FAILED" in rendered(outcome)
