"""The CloudWatch Embedded Metric Format, as its specification states it, for tests.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
The JSON schema holds the document's shape; `validate` adds what a schema cannot say:
every dimension and metric a directive names is a top-level member of the right type,
and the timestamp is one CloudWatch accepts (at most two weeks old, two hours ahead).
"""

import math
import time

import jsonschema

UNITS = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
]

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "additionalProperties": False,
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {"type": "array", "items": {"$ref": "#/$defs/directive"}},
            },
        }
    },
    "$defs": {
        "directive": {
            "type": "object",
            "required": ["Namespace", "Dimensions", "Metrics"],
            "additionalProperties": False,
            "properties": {
                "Namespace": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": "^[a-zA-Z0-9._#:/-]+$",
                },
                "Dimensions": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "maxItems": 30,
                        "uniqueItems": True,
                        "items": {"type": "string", "minLength": 1, "maxLength": 255},
                    },
                },
                "Metrics": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {
                        "type": "object",
                        "required": ["Name"],
                        "additionalProperties": False,
                        "properties": {
                            "Name": {"type": "string", "minLength": 1, "maxLength": 255},
                            "Unit": {"enum": UNITS},
                            "StorageResolution": {"enum": [1, 60]},
                        },
                    },
                },
            },
        }
    },
}

_MAX_AGE_MS = 14 * 24 * 3600 * 1000
_MAX_AHEAD_MS = 2 * 3600 * 1000


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_members(document: dict, directive: dict) -> None:
    for dimension_set in directive["Dimensions"]:
        for name in dimension_set:
            value = document.get(name)
            assert isinstance(value, str), f"dimension {name!r} is not a top-level string"
            assert 0 < len(value) <= 1024, f"dimension {name!r} is empty or too long"
            assert value.isascii(), f"dimension {name!r} is not ASCII"
    for metric in directive["Metrics"]:
        value = document.get(metric["Name"])
        values = value if isinstance(value, list) else [value]
        assert 0 < len(values) <= 100, f"metric {metric['Name']!r} has no or too many values"
        assert all(_is_number(v) for v in values), f"metric {metric['Name']!r} is not a number"


def validate(document: dict) -> None:
    """Raises if document is not an EMF document CloudWatch would extract metrics from."""
    jsonschema.validate(document, SCHEMA)
    age_ms = time.time() * 1000 - document["_aws"]["Timestamp"]
    assert -_MAX_AHEAD_MS < age_ms < _MAX_AGE_MS, "timestamp outside what CloudWatch accepts"
    for directive in document["_aws"]["CloudWatchMetrics"]:
        _check_members(document, directive)
