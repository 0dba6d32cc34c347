"""CloudWatch Embedded Metric Format lines."""

from __future__ import annotations

import io
import json

from shared.metrics import emit


def test_emf_line_names_every_metric_with_its_unit_and_dimension() -> None:
    out = io.StringIO()
    emit({"Events": 120, "Pages": 2, "WindowLagSeconds": 30.5}, {"Source": "gws-login"}, stream=out)
    record = json.loads(out.getvalue())
    directive = record["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "logpull"
    assert directive["Dimensions"] == [["Source"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "Events": "Count", "Pages": "Count", "WindowLagSeconds": "Seconds"}
    assert record["Source"] == "gws-login" and record["Events"] == 120
    assert isinstance(record["_aws"]["Timestamp"], int)
