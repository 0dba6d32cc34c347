"""Human-readable tables for ``status`` and ``demo`` (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_status(report: dict[str, Any]) -> None:
    console = Console()
    table = Table(title="logpull status")
    for column in ("source", "watermark", "complete until", "lag", "pending", "running", "done", "failed", "events"):
        table.add_column(column, justify="right" if column in {"lag", "pending", "running", "done", "failed", "events"} else "left")
    for source_id, src in report["sources"].items():
        windows = src["windows"]
        table.add_row(source_id, str(src["watermark"]), src["complete_until"], f"{src['lag_seconds']}s",
                      str(windows["pending"]), str(windows["running"]), str(windows["done"]),
                      str(windows["failed"]), f"{src['events']:,}")
    console.print(table)
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
