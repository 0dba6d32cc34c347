"""`python -m bench [--quick] [--json FILE]`: the benchmark figures, side by side.

Not part of the test suite (timings on shared machines are noisy); `--quick` is a smoke
run with tiny sizes that the suite uses to keep this script working.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import _budget as budget
from bench import _figures as fig
from bench._control_plane import control_plane
from bench._fairness import fairness
from bench._okta_engine import okta_engine
from shared.aws.emulator import use_dummy_credentials

SIZES: dict[str, dict[str, Any]] = {
    "full": {"events": 300_000, "repeats": 3, "windows": 192, "pages_per_window": 3, "workers": [1, 2, 4, 8],
             "requests_events": 300_000, "kills": 5, "memory_events": 20_000, "control_plane": (10, 30, 8),
             "budget": {"pages": 900, "per_minute": 600, "workers": 8}, "okta": {"pages": 100, "rate_limit": 40},
             "budget_aws": {"pages": 120, "per_minute": 600, "workers": 4},
             "okta_engine": {"events": 100_000, "days": 2.0, "blocks": 3, "events_at_50ms": 100_000}},
    "quick": {"events": 3_000, "repeats": 1, "windows": 8, "pages_per_window": 1, "workers": [1, 2],
              "requests_events": 3_000, "kills": 1, "memory_events": 1_000, "control_plane": (2, 10, 6),
              "budget": {"pages": 30, "per_minute": 600, "workers": 4}, "okta": {"pages": 30, "rate_limit": 600},
              "budget_aws": {"pages": 30, "per_minute": 600, "workers": 2},
              "okta_engine": {"events": 3_000, "days": 0.25, "blocks": 1, "events_at_50ms": 3_000}},
}


def run(size: str, out: Path | None) -> dict[str, Any]:
    use_dummy_credentials()
    sizes = SIZES[size]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": fig.python_version(),
                                           "platform": platform.platform()}, "size": size}
    with tempfile.TemporaryDirectory(prefix="logpull-bench-") as tmp:
        work = Path(tmp)
        steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            # the median of a few runs side by side: one run on a shared machine is noisy
            ("ceiling", lambda: fig.ceiling(work, sizes["events"], repeats=sizes["repeats"])),
            # the same with an API that takes 50 ms a page (the real one takes longer)
            ("ceiling_at_50ms", lambda: fig.ceiling(work, sizes["events"], page_latency=0.05)),
            ("scaling", lambda: fig.scaling(work, sizes["windows"], sizes["pages_per_window"], sizes["workers"])),
            ("aws_requests", lambda: fig.aws_requests(work, sizes["requests_events"])),
            ("crash_rereads", lambda: fig.crash_rereads(work, sizes["kills"])),
            ("memory", lambda: fig.memory(work, sizes["memory_events"])),
            ("control_plane", lambda: control_plane(work, *sizes["control_plane"])),  # tenants, apps, hours
            ("quota_backfill", lambda: budget.quota_backfill(work, **sizes["budget"])),
            ("okta_pacing", lambda: budget.okta_pacing(work, workers=4, **sizes["okta"])),
            ("budget_aws_requests", lambda: budget.aws_overhead(work, **sizes["budget_aws"])),
            ("fairness", lambda: fairness(work, size)),
            # the http engine beside the hand-written Okta module, same simulator and workload
            ("okta_engine", lambda: okta_engine(work, **sizes["okta_engine"])),
        ]
        for name, step in steps:
            began = time.perf_counter()
            results[name] = step()
            results[name]["bench_s"] = round(time.perf_counter() - began, 1)
            print(f"{name}: {json.dumps(results[name])}", flush=True)
    print_table(results)
    if out:
        out.write_text(json.dumps(results, indent=2))
    return results


def print_table(r: dict[str, Any]) -> None:
    c, s, a, k, m = r["ceiling"], r["scaling"], r["aws_requests"], r["crash_rereads"], r["memory"]
    c50, f = r["ceiling_at_50ms"], r["fairness"]
    q, o, b = r["quota_backfill"], r["okta_pacing"], r["budget_aws_requests"]
    top = max(s["speedup"], key=int)
    rows = [
        ("ceiling ratio (pipeline / bare events/s)", f"{c['ratio']:.2f}",
         f"{c['pipeline_events_per_s']:,} vs {c['bare_events_per_s']:,} ev/s, {c['events']:,} events "
         f"({c['ratio_with_init']:.2f} counting `logpull init`; median of "
         f"{', '.join(f'{x:.2f}' for x in c['ratios'])})", ">= 0.8"),
        ("ceiling ratio, API at 50 ms a page", f"{c50['ratio']:.2f}",
         f"{c50['pipeline_events_per_s']:,} vs {c50['bare_events_per_s']:,} ev/s "
         f"({c50['ratio_with_init']:.2f} counting `logpull init`)", "(>= 0.8)"),
        (f"scaling {top} workers vs 1", f"{s['speedup'][top]:.2f}x",
         ", ".join(f"{w}w {t}s" for w, t in s["seconds"].items()), ">= 6x at 8"),
        ("AWS requests per 1,000 events", f"{a['per_1000_events']:.2f}",
         f"{a['requests']:,} requests, {a['events']:,} events", "<= 1.5"),
        ("pages re-read per crash", f"{k['reread_per_kill']:.2f}", f"{k['kills']} SIGKILLs", "<= 1"),
        ("peak RSS growth, window x10", f"{m['growth']:.2f}x",
         ", ".join(f"{e} ev: {v / 1024:.0f} MiB" for e, v in m["peak_rss_kib"].items()), "<= 1.2x"),
        control_plane_row(r["control_plane"]),
        *engine_rows(r["okta_engine"]),
        (f"quota-bound backfill, {q['workers']} workers", f"{q['ratio']:.2f}x",
         f"{q['seconds']} s vs {q['quota_limit_s']} s for {q['requests'] - q['refused']} requests at "
         f"{q['per_minute']}/min; {q['refused_pct']} % refused", "<= 1.1x, <= 1 %"),
        ("Okta 429s per 1,000 requests", f"{o['per_1000_requests']:.2f}",
         f"{o['http_429']} in {o['requests']} requests, {o['workers']} workers, org limit {o['rate_limit']}/min, "
         f"{o['seconds']} s", "<= 1"),
        ("AWS requests per 1,000 events added by a budget", f"{b['added_per_1000_events']:.2f}",
         f"{b['with']['per_1000_events']} with vs {b['without']['per_1000_events']} without, {b['workers']} workers "
         f"at {b['per_minute']}/min, {b['with']['budget_takes']} takes", "(little)"),
        ("live p95 delay beside a backfill", f"{f['p95_with_backfill_s']:.0f} s",
         f"alone {f['p95_alone_s']:.0f} s, one queue >= {f['p95_one_queue_s']:.0f} s; {f['backfill_days']} days "
         f"backfilling, {f['workers']} workers ({'met' if f['met'] else 'NOT met'})", f"<= {f['target_s']:.0f} s"),
    ]
    print(f"\nlogpull benchmark ({r['size']}) on {r['machine']['cpus']} CPUs, Python {r['machine']['python']}")
    width = max(len(row[0]) for row in rows)
    for name, value, detail, target in rows:
        print(f"  {name:<{width}}  {value:>8}  target {target:<10}  {detail}")


def control_plane_row(cp: dict[str, Any]) -> tuple[str, str, str, str]:
    return ("AWS requests per tick per source (steady)", f"{cp['steady']['per_source']:.2f}",
            f"{cp['sources']} sources; cold {cp['cold']['per_source']:.2f} after {cp['history_windows']} windows "
            f"each, {cp['cold_2x']['per_source']:.2f} after {2 * cp['history_windows']}; tick "
            f"{cp['steady']['tick_s']} s steady, {cp['cold']['tick_s']} s cold (moto)", "flat in history")


def engine_rows(e: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for label, x in (("instant API", e["instant"]), ("API at 50 ms a page", e["at_50ms"])):
        m, g = x["module"], x["engine"]
        rows.append((f"http engine / Okta module CPU, {label}", f"{x['cpu_ratio']:.2f}",
                     f"{g['cpu_s_per_1000_events']:.4f} vs {m['cpu_s_per_1000_events']:.4f} CPU-s per 1,000 events; "
                     f"{g['events_per_s']:,} vs {m['events_per_s']:,} ev/s ({x['speed_ratio']:.2f}); "
                     f"{x['events']:,} events, ABBA x{len(x['cpu_ratios'])}", "<= 1.1"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run, seconds)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to write the figures")
    args = parser.parse_args()
    run("quick" if args.quick else "full", args.json)


if __name__ == "__main__":
    main()
