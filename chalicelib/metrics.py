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
from functools import lru_cache
from typing import Any, Literal, NamedTuple

Unit = Literal["Count", "Milliseconds"]

# One encoder for every line: json.dumps with arguments builds a new one on each call.
_encode = json.JSONEncoder(separators=(",", ":")).encode


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
    units = tuple((metric.name, metric.unit) for metric in metrics)
    return {
        "_aws": {
            "Timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": _directives(namespace, tuple(dimensions), units),
        },
        **dimensions,
        **{metric.name: metric.value for metric in metrics},
    }


@lru_cache(maxsize=64)
def _directives(
    namespace: str, dimensions: tuple[str, ...], units: tuple[tuple[str, Unit], ...]
) -> list[dict[str, Any]]:
    """The metadata of a document: the same for every request, so made once (read-only)."""
    metrics = [{"Name": name, "Unit": unit} for name, unit in units]
    return [{"Namespace": namespace, "Dimensions": [list(dimensions)], "Metrics": metrics}]


def emit(*docs: Mapping[str, Any]) -> None:
    """Writes one JSON line per document to stdout, all in a single write and flush, so
    that threads cannot interleave them and a request pays for one system call."""
    sys.stdout.write("".join(_encode(doc) + "\n" for doc in docs))
    sys.stdout.flush()
