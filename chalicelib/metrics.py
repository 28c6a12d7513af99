"""CloudWatch metrics in the Embedded Metric Format (EMF): one JSON line on stdout each.

In Lambda, every line a function prints becomes a log event, and CloudWatch Logs turns
an event shaped like the EMF specification into metric data points: no PutMetricData
call, no client, no IAM action beyond writing logs, no latency on the request. See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

import json
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

Unit = Literal["Count", "Milliseconds"]


class Metric(NamedTuple):
    name: str
    unit: Unit
    value: float


def document(
    namespace: str,
    dimensions: Mapping[str, str],
    metrics: Sequence[Metric],
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """One EMF document: the metrics, all under one dimension set, as top-level values.

    Every dimension becomes part of each metric's identity, and each distinct value a
    metric of its own that CloudWatch bills: give only values from a small fixed set.
    """
    directive = {
        "Namespace": namespace,
        "Dimensions": [list(dimensions)],
        "Metrics": [{"Name": metric.name, "Unit": metric.unit} for metric in metrics],
    }
    return {
        "_aws": {
            "Timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [directive],
        },
        **dimensions,
        **{metric.name: metric.value for metric in metrics},
    }


def emit(doc: Mapping[str, Any]) -> None:
    """Writes one JSON line to stdout, in a single write so threads cannot interleave."""
    sys.stdout.write(json.dumps(doc, separators=(",", ":")) + "\n")
    sys.stdout.flush()
