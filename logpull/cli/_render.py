"""Human-readable tables for ``status`` and ``demo`` (rich)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from logpull.cli._coverage import ago, lag_words, legend, scale, short_instant, strip
from shared.timeutil import parse_instant


MAX_WIDTH = 80
FAILED_SHOWN = 5  # failed windows listed per source; the rest are counted


def print_status(report: dict[str, Any], console: Console | None = None) -> None:
    """Per source: lag in words, counts, the coverage strip; then the queue and a legend.
    Fits 80 columns; without colour the strip's characters still tell the states apart."""
    console = console or Console()
    width = min(console.width, MAX_WIDTH)
    as_of = parse_instant(report["as_of"])
    for source_id, src in report["sources"].items():
        for line in source_lines(source_id, src, as_of, width):
            console.print(line, soft_wrap=False)
    queue = report["queue"]
    lanes = "".join(f", {lane} {c['visible'] + c['delayed']}" for lane, c in queue.get("lanes", {}).items())
    console.print(f"queue: {queue['visible']} visible, {queue['in_flight']} in flight, "
                  f"{queue['delayed']} delayed{' (waiting: ' + lanes[2:] + ')' if lanes else ''}; "
                  f"DLQ: {queue['dlq']}", markup=False)
    console.print(legend())


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(k, 0):,} {k}" for k in ("done", "running", "pending", "failed"))


def source_lines(source_id: str, src: dict[str, Any], now: datetime, width: int) -> list[Text]:
    lines: list[Text] = []
    if src.get("nothing_due_until"):  # start in the future: no lag to speak of
        lines.append(Text(f"{source_id}: nothing due yet (it starts later; first window due "
                          f"{short_instant(src['nothing_due_until'])})"))
    else:
        lines.append(Text(f"{source_id}: {lag_words(src)} "
                          f"(complete until {short_instant(src['complete_until'])})"))
        lines.append(Text(f"  final until {short_instant(src['final_until'])} "
                          f"({ago(src['final_until'], now)})"))
    lines.append(Text(f"  scheduled until {short_instant(src['watermark'])}" if src.get("watermark")
                      else "  nothing scheduled yet"))
    lines.append(Text(f"  first passes: {_counts(src['windows'])}"))
    if any(src.get("final_passes", {}).values()):
        lines.append(Text(f"  final passes: {_counts(src['final_passes'])}"))
    lines.append(Text(f"  events: {src['events']:,} ({src.get('late_events', 0):,} found late by final passes), "
                      f"{src.get('pages', 0):,} pages"))
    if src.get("source_failed"):
        failure = src["source_failed"]
        lines.append(Text(f"  SOURCE FAILED ({failure['reason']}) since {failure['since']}: {failure['error']}"))
        lines.append(Text(f"  {failure['fix']}"))
    for change in src.get("config_changes", []):  # the config against what is recorded
        lines.append(Text(f"  config: {change}"))
    coverage = src.get("coverage")
    if coverage and coverage["segments"]:
        lines.append(Text("  ") + strip(coverage, width - 2))
        lines.append(Text(f"  {scale(coverage, width - 2)}"))
    failed = src.get("failed", [])
    for window in failed[:FAILED_SHOWN]:
        which = "first" if window["pass"] == 0 else "final"
        line = Text(f"  failed: {short_instant(window['window_start'])} to "
                    f"{short_instant(window['window_end'])[11:]} ({which} pass): "
                    f"{window['error'] or 'no error recorded'}")
        line.truncate(width, overflow="ellipsis")  # the whole error: `status --json`, `dlq list`
        lines.append(line)
    if len(failed) > FAILED_SHOWN:
        lines.append(Text(f"  ... and {len(failed) - FAILED_SHOWN} more failed windows (`logpull dlq list`)"))
    return lines
