"""CloudWatch Embedded Metric Format: one JSON line per unit of work on stdout, which
CloudWatch Logs turns into metrics (Lambda does this without any agent)."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

NAMESPACE = "logpull"
UNITS = {
    "Events": "Count", "Pages": "Count", "Continuations": "Count", "Retries": "Count",
    "FailedTasks": "Count", "WindowLagSeconds": "Seconds", "QueueBacklog": "Count",
    "QueueInFlight": "Count", "DLQDepth": "Count", "LagSeconds": "Seconds",
    "FinalLagSeconds": "Seconds", "LateEvents": "Count",
}


def emf_record(metrics: dict[str, float], dimensions: dict[str, str], timestamp: float | None = None) -> dict[str, object]:
    when = int((timestamp if timestamp is not None else time.time()) * 1000)
    return {
        "_aws": {
            "Timestamp": when,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [sorted(dimensions)],
                "Metrics": [{"Name": name, "Unit": UNITS.get(name, "None")} for name in metrics],
            }],
        },
        **dimensions,
        **metrics,
    }


def emit(metrics: dict[str, float], dimensions: dict[str, str], stream: TextIO | None = None) -> None:
    line = json.dumps(emf_record(metrics, dimensions), separators=(",", ":"))
    print(line, file=stream or sys.stdout, flush=True)
