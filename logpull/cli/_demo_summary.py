"""The demo's closing table: what the run proved, in words a newcomer understands."""

from __future__ import annotations

from dataclasses import dataclass, field

from logpull.cli._demo_ocsf import OcsfCount

from rich.console import Console
from rich.table import Table

FAULT_WORDS = {
    "429": "rate limited (429)", "403_rate": "quota exceeded (403)", "500": "server error (500)",
    "503": "unavailable (503)", "truncated": "cut-off response", "not_json": "garbled response",
    "reset": "connection reset",
}


@dataclass(frozen=True)
class DemoOutcome:
    """What the demo measured (plain numbers: a test can feed a fixed one)."""

    expected: int  # events the fake API holds (the ground truth)
    committed: int  # events in the sink
    missing: int
    duplicates: int
    unexpected: int
    altered: int
    windows_done: int
    windows_failed: int
    pages: int
    continuations: int  # a task ran out of time and a new one resumed from the saved page
    first_pages_reread: int  # windows read again from their first page (a restart)
    late_events: int  # events found only by final passes
    worker_restarts: int
    seconds: float
    sink: str
    faults: dict[str, int] = field(default_factory=dict)
    ocsf: OcsfCount | None = None  # --ocsf: the normalised output counted against the raw one

    @property
    def exact(self) -> bool:
        ocsf_exact = self.ocsf is None or self.ocsf.exact
        return ocsf_exact and not (self.missing or self.duplicates or self.unexpected or self.altered)


def _faults(outcome: DemoOutcome) -> str:
    injected = {kind: n for kind, n in outcome.faults.items() if n}
    if not injected:
        return "none (try --fault-rate 0.05)"
    kinds = ", ".join(f"{n:,} {FAULT_WORDS.get(kind, kind)}" for kind, n in sorted(injected.items()))
    verdict = "all retried, none lost" if outcome.exact and not outcome.windows_failed else "see the check below"
    return f"{sum(injected.values()):,}: {kinds}; {verdict}"


def closing_rows(outcome: DemoOutcome) -> list[tuple[str, str]]:
    rate = f", {outcome.committed / outcome.seconds:,.0f} events/s" if outcome.seconds else ""
    # not "see `logpull dlq list`": the demo's emulator, and its DLQ, end with the demo
    failed = (f", {outcome.windows_failed} FAILED (why: the task_finished lines with outcome failed above)"
              if outcome.windows_failed else "")
    return [
        ("events", f"{outcome.expected:,} in the fake API, {outcome.committed:,} written to the sink"),
        ("windows", f"{outcome.windows_done:,} time windows read in {outcome.pages:,} pages{failed}"),
        ("faults injected", _faults(outcome)),
        ("resumed mid-way", f"{outcome.continuations:,} times a task ran out of time and the next one "
                            "went on from the saved page"),
        ("restarted", f"{outcome.first_pages_reread:,} windows read again from their first page"),
        ("late events", f"{outcome.late_events:,} recovered by final passes"),
        ("worker restarts", f"{outcome.worker_restarts:,}"),
        ("against the truth", f"missing {outcome.missing:,}, duplicates {outcome.duplicates:,}, "
                              f"unexpected {outcome.unexpected:,}, altered {outcome.altered:,}"),
        ("time", f"{outcome.seconds:,.1f}s{rate}"),
        ("sink", outcome.sink),
    ] + _ocsf_rows(outcome.ocsf)


def _ocsf_rows(ocsf: OcsfCount | None) -> list[tuple[str, str]]:
    if ocsf is None:
        return []
    return [("OCSF output", f"{ocsf.objects:,} objects for {ocsf.events:,} raw events: missing {ocsf.missing:,}, "
                            f"duplicates {ocsf.duplicates:,}, unexpected {ocsf.unexpected:,}")]


def print_closing_table(outcome: DemoOutcome, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="logpull demo: what this run showed", show_header=False)
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("result")
    for name, value in closing_rows(outcome):
        table.add_row(name, value)
    console.print(table)
    if outcome.exact and not outcome.windows_failed:
        console.print(f"[green]OK[/green]: every event exactly once: missing {outcome.missing}, duplicates "
                      f"{outcome.duplicates} against the ground truth", highlight=False)
    else:
        console.print(f"[red]FAILED[/red]: the sink differs from the ground truth or windows failed: "
                      f"missing {outcome.missing}, duplicates {outcome.duplicates}", highlight=False)
