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
from pathlib import Path
from typing import Any

from bench import _figures as fig
from bench._fairness import fairness
from shared.aws.emulator import use_dummy_credentials

SIZES = {
    "full": {"events": 300_000, "repeats": 3, "windows": 192, "pages_per_window": 3, "workers": [1, 2, 4, 8],
             "requests_events": 300_000, "kills": 5, "memory_events": 20_000},
    "quick": {"events": 3_000, "repeats": 1, "windows": 8, "pages_per_window": 1, "workers": [1, 2],
              "requests_events": 3_000, "kills": 1, "memory_events": 1_000},
}


def run(size: str, out: Path | None) -> dict[str, Any]:
    use_dummy_credentials()
    sizes = SIZES[size]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": fig.python_version(),
                                           "platform": platform.platform()}, "size": size}
    with tempfile.TemporaryDirectory(prefix="logpull-bench-") as tmp:
        work = Path(tmp)
        steps = [
            # the median of a few runs side by side: one run on a shared machine is noisy
            ("ceiling", lambda: fig.ceiling(work, sizes["events"], repeats=sizes["repeats"])),
            # the same with an API that takes 50 ms a page (the real one takes longer)
            ("ceiling_at_50ms", lambda: fig.ceiling(work, sizes["events"], page_latency=0.05)),
            ("scaling", lambda: fig.scaling(work, sizes["windows"], sizes["pages_per_window"], sizes["workers"])),
            ("aws_requests", lambda: fig.aws_requests(work, sizes["requests_events"])),
            ("crash_rereads", lambda: fig.crash_rereads(work, sizes["kills"])),
            ("memory", lambda: fig.memory(work, sizes["memory_events"])),
            ("fairness", lambda: fairness(work, size)),
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
        ("live p95 delay beside a backfill", f"{f['p95_with_backfill_s']:.0f} s",
         f"alone {f['p95_alone_s']:.0f} s, one queue >= {f['p95_one_queue_s']:.0f} s; {f['backfill_days']} days "
         f"backfilling, {f['workers']} workers ({'met' if f['met'] else 'NOT met'})", f"<= {f['target_s']:.0f} s"),
    ]
    print(f"\nlogpull benchmark ({r['size']}) on {r['machine']['cpus']} CPUs, Python {r['machine']['python']}")
    width = max(len(row[0]) for row in rows)
    for name, value, detail, target in rows:
        print(f"  {name:<{width}}  {value:>8}  target {target:<10}  {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run, seconds)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to write the figures")
    args = parser.parse_args()
    run("quick" if args.quick else "full", args.json)


if __name__ == "__main__":
    main()
