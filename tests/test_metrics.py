"""EMF documents are what the specification asks for, and each is one line on stdout."""

import json
import time

import jsonschema
import pytest

from chalicelib import metrics
from chalicelib.metrics import Metric
from tests import emf

DIMENSIONS = {"Service": "todo-api", "Stage": "test"}


def a_document(**overrides):
    arguments = {
        "namespace": "TodoApi",
        "dimensions": DIMENSIONS,
        "metrics": [Metric("Requests", "Count", 1), Metric("Latency", "Milliseconds", 12.5)],
        **overrides,
    }
    return metrics.document(**arguments)


def test_a_document_is_valid_emf_with_values_at_the_top_level():
    document = a_document()
    emf.validate(document)
    assert document["_aws"]["CloudWatchMetrics"] == [
        {
            "Namespace": "TodoApi",
            "Dimensions": [["Service", "Stage"]],
            "Metrics": [
                {"Name": "Requests", "Unit": "Count"},
                {"Name": "Latency", "Unit": "Milliseconds"},
            ],
        }
    ]
    assert document["Service"] == "todo-api"
    assert document["Stage"] == "test"
    assert document["Requests"] == 1
    assert document["Latency"] == 12.5


def test_the_timestamp_is_now_in_epoch_milliseconds_unless_given():
    before = int(time.time() * 1000)
    stamped = a_document()["_aws"]["Timestamp"]
    assert before <= stamped <= int(time.time() * 1000)
    assert a_document(timestamp_ms=1_700_000_000_000)["_aws"]["Timestamp"] == 1_700_000_000_000


def test_emit_writes_exactly_one_json_line(capsys):
    document = a_document()
    metrics.emit(document)
    out = capsys.readouterr().out
    assert out.endswith("\n")
    assert out.count("\n") == 1
    assert json.loads(out) == document


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.pop("Stage"),
        lambda d: d.update(Requests="one"),
        lambda d: d.update(Latency=float("nan")),
        lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].update(Unit="Requests"),
        lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Namespace="Todo Api!"),
        lambda d: d["_aws"].pop("Timestamp"),
        lambda d: d["_aws"].update(Timestamp=0),
        lambda d: d["_aws"]["CloudWatchMetrics"][0].pop("Dimensions"),
    ],
)
def test_the_validator_catches_what_cloudwatch_would_reject(break_it):
    document = a_document()
    break_it(document)
    with pytest.raises((AssertionError, jsonschema.ValidationError)):
        emf.validate(document)
