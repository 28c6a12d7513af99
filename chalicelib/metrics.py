"""CloudWatch metrics in the Embedded Metric Format (EMF), inside the app's own log lines.

In Lambda, every line a function prints becomes a log event, and CloudWatch Logs turns
an event shaped like the EMF specification into metric data points: no PutMetricData
call, no client, no IAM action beyond writing logs, no latency on the request. The
specification lets a document carry any other top-level members, which stay searchable
log fields: so one line can be both a request's log line and its metrics. See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

import json
import sys
import time
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

Unit = Literal["Count", "Milliseconds"]

# One encoder for every line: json.dumps with arguments builds a new one on each call.
# No check for cycles: the documents are flat dicts the app builds, never cyclic.
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


class MetricSet(NamedTuple):
    """Metrics reported under one set of dimensions: one directive of a document.

    Every dimension becomes part of each metric's identity, and each distinct value a
    metric of its own that CloudWatch bills: give only values from a small fixed set.
    """

    dimensions: tuple[str, ...]
    metrics: tuple[tuple[str, Unit], ...]


class Directives(NamedTuple):
    """The `_aws.CloudWatchMetrics` of a document, as JSON text."""

    text: str


def directives(namespace: str, sets: tuple[MetricSet, ...]) -> Directives:
    """The metadata of every document of this shape. It is the same on every request but
    for the timestamp: make it once and reuse it, and `line` joins its JSON to the
    members' (measured: encoding it on each request was a quarter of telemetry's cost)."""
    listed = [
        {
            "Namespace": namespace,
            "Dimensions": [list(metric_set.dimensions)],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metric_set.metrics],
        }
        for metric_set in sets
    ]
    return Directives('"CloudWatchMetrics":' + _encode(listed))


def line(members: Mapping[str, Any], metadata: Directives, timestamp_ms: int | None = None) -> str:
    """One EMF document as a JSON line: `members` (which must hold every dimension and
    metric the directives name, as top-level values), then the `_aws` metadata."""
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    encoded = _encode(members)
    separator = "," if len(encoded) > 2 else ""
    return f'{encoded[:-1]}{separator}"_aws":{{"Timestamp":{stamp},{metadata.text}}}}}\n'


def emit(text: str) -> None:
    """Writes the lines to stdout in a single write and flush, so that threads cannot
    interleave them and a request pays for one system call."""
    sys.stdout.write(text)
    sys.stdout.flush()
