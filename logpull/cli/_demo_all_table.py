"""The closing table of ``logpull demo --sources all``: one row per source."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class SourceRow:
    label: str
    kind: str
    in_api: int  # events the fake API holds (its ground truth)
    in_sink: int  # events committed to the sink
    missing: int
    duplicates: int  # beyond the first, plus any the API never sent or that differ
    late: int  # events only a final pass found
    windows_failed: int
    faults: int  # faults the fake injected

    @property
    def exact(self) -> bool:
        return not (self.missing or self.duplicates or self.windows_failed) and self.in_api == self.in_sink


def print_sources_table(rows: list[SourceRow], seconds: float, sink: str, console: Console | None = None) -> bool:
    """Print the table and the verdict; True if every source is exact."""
    console = console or Console()
    table = Table(title="logpull demo --sources all: each source against its fake API")
    for name in ("source", "API", "sink", "missing", "dup", "late", "faults", "result"):
        table.add_column(name, justify="left" if name in ("source", "result") else "right", no_wrap=True)
    for r in rows:
        verdict = "[green]exact[/green]" if r.exact else "[red]DIFFERS[/red]"
        table.add_row(r.label, f"{r.in_api:,}", f"{r.in_sink:,}", f"{r.missing:,}",
                      f"{r.duplicates:,}", f"{r.late:,}", f"{r.faults:,}", verdict)  # fmt: skip
    total = sum(r.in_sink for r in rows)
    table.add_row("all", f"{sum(r.in_api for r in rows):,}", f"{total:,}", f"{sum(r.missing for r in rows):,}",
                  f"{sum(r.duplicates for r in rows):,}", f"{sum(r.late for r in rows):,}",
                  f"{sum(r.faults for r in rows):,}", "", style="bold")  # fmt: skip
    console.print(table)
    console.print("API: events in the fake API; sink: events written; dup: duplicates (or altered); late: events only a final pass found (they reached the API after the window's first "
                  "pass); faults: errors the fake injected, all retried", highlight=False)
    exact = all(r.exact for r in rows)
    if exact:
        console.print(f"[green]OK[/green]: every source exact, {total:,} events exactly once in {seconds:.1f}s "
                      f"(sink: {sink})", highlight=False)
    else:
        bad = ", ".join(r.label for r in rows if not r.exact)
        console.print(f"[red]FAILED[/red]: {bad} differ from their fake API (sink: {sink})", highlight=False)
    return exact
