"""Human-readable tables for ``status`` and ``demo`` (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_status(report: dict[str, Any]) -> None:
    """One small table per source (readable on an 80-column terminal)."""
    console = Console()
    for source_id, src in report["sources"].items():
        table = Table(title=f"source {source_id}", show_header=False)
        table.add_column("figure")
        table.add_column("value", justify="right")
        windows, finals = src["windows"], src.get("final_passes", {})
        table.add_row("watermark", str(src["watermark"]))
        if src.get("nothing_due_until"):  # start in the future: no lag to speak of
            table.add_row("nothing due yet", f"start is in the future; first window due {src['nothing_due_until']}")
        else:
            table.add_row("complete until (lag)", f"{src['complete_until']} ({src['lag_seconds']}s)")
            table.add_row("final until (lag)",
                          f"{src.get('final_until', '-')} ({src.get('final_lag_seconds', '-')}s)")
        table.add_row("windows pending/running/done/failed",
                      "/".join(str(windows[k]) for k in ("pending", "running", "done", "failed")))
        if finals:
            table.add_row("final passes pending/running/done/failed",
                          "/".join(str(finals[k]) for k in ("pending", "running", "done", "failed")))
        table.add_row("events (found late)", f"{src['events']:,} ({src.get('late_events', 0):,})")
        console.print(table)
        if src.get("source_failed"):
            failure = src["source_failed"]
            console.print(f"  SOURCE FAILED ({failure['reason']}) since {failure['since']}: {failure['error']}",
                          markup=False)
            console.print(f"  {failure['fix']}", markup=False)
        for failed in src.get("failed", []):
            console.print(f"  failed: [{failed['window_start']}, {failed['window_end']}) pass {failed['pass']}: "
                          f"{failed['error']}")
    queue = report["queue"]
    console.print(f"queue: {queue['visible']} visible, {queue['in_flight']} in flight, "
                  f"{queue['delayed']} delayed; DLQ: {queue['dlq']}")


def print_summary(title: str, rows: list[tuple[str, str]], ok: bool) -> None:
    console = Console(stderr=False)
    table = Table(title=title, show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print("[green]OK: sink equals the ground truth[/green]" if ok else
                  "[red]FAILED: sink differs from the ground truth[/red]")
