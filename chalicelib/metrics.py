"""CloudWatch metrics in the Embedded Metric Format (EMF), inside the app's own log lines.

In Lambda, every line a function prints becomes a log event, and CloudWatch Logs turns
an event shaped like the EMF specification into metric data points: no PutMetricData
call, no client, no IAM action beyond writing logs, no latency on the request. The
specification lets a document carry any other top-level members, which stay searchable
log fields: so one line can be both a request's log line and its metrics. See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

import sys
import time
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from chalicelib.compact_json import encode

Unit = Literal["Count", "Milliseconds"]


class MetricSet(NamedTuple):
    """Metrics reported under one set of dimensions: one directive of a document.

    Every dimension becomes part of each metric's identity, and each distinct value a
    metric of its own that CloudWatch bills: give only values from a small fixed set.
    """

    dimensions: tuple[str, ...]
    metrics: tuple[tuple[str, Unit], ...]


class Template(NamedTuple):
    """What every document of one shape shares, as JSON text: its fixed members (those
    the same on every line, such as the dimensions' values) and its `_aws` metadata but
    the timestamp."""

    opening: str
    directives: str


def template(
    namespace: str, sets: tuple[MetricSet, ...], fixed: Mapping[str, Any] | None = None
) -> Template:
    """Make it once per shape and reuse it: `line` then encodes only the members that
    change. Measured: encoding the metadata on each request was a quarter of telemetry's
    cost, and the fixed members a third of what remained (make bench-instructions)."""
    listed = [
        {
            "Namespace": namespace,
            "Dimensions": [list(metric_set.dimensions)],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metric_set.metrics],
        }
        for metric_set in sets
    ]
    fixed_members = members(fixed or {})
    opening = "{" + (fixed_members + "," if fixed_members else "")
    return Template(opening, '"CloudWatchMetrics":' + encode(listed))


def members(values: Mapping[str, Any]) -> str:
    """Members as `line` takes them: JSON text, without the braces."""
    return encode(values)[1:-1]


def line(varying: str, shape: Template, timestamp_ms: int | None = None) -> str:
    """One EMF document as a JSON line: the template's fixed members, then the `varying`
    ones (JSON text without braces, as `members` makes; together they must hold every
    dimension and metric the directives name, as top-level values, and no name twice),
    then the `_aws` metadata."""
    stamp = timestamp_ms if timestamp_ms is not None else time.time_ns() // 1_000_000
    separator = "," if varying else ""
    metadata = f'"_aws":{{"Timestamp":{stamp},{shape.directives}}}'
    return f"{shape.opening}{varying}{separator}{metadata}}}\n"


def emit(text: str) -> None:
    """Writes the lines to stdout in a single write and flush, so that threads cannot
    interleave them and a request pays for one system call."""
    sys.stdout.write(text)
    sys.stdout.flush()
